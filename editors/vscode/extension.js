// The VS Code side of spinerules: starts `spinerules lsp` and hands it the .rules files.
// Highlighting needs nothing of this (syntaxes/); the rest is the language server's.
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const [command, ...args] = vscode.workspace
    .getConfiguration("spinerules")
    .get("command", ["spinerules", "lsp"]);
  client = new LanguageClient(
    "spinerules",
    "spinerules",
    { command, args },
    { documentSelector: [{ scheme: "file", language: "spinerules" }] },
  );
  context.subscriptions.push(
    vscode.commands.registerCommand("spinerules.runTests", () => {
      const editor = vscode.window.activeTextEditor;
      if (editor) {
        client.sendRequest("workspace/executeCommand", {
          command: "spinerules.runTests",
          arguments: [editor.document.uri.toString()],
        });
      }
    }),
  );
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
