// VS Code extension for SmartApp Code / JAICP projects: `.sc` highlighting (syntaxes/), problems from
// `smartapp check --json` on open and save, and "Go to Definition" on transition targets.
"use strict";

const vscode = require("vscode");
const { execFile } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");
const { indexStates, stateAt, resolveTarget, targetOnLine } = require("./states.js");

/** The folder with chatbot.yaml that holds `file`, or undefined. */
function projectRoot(file) {
  let dir = path.dirname(file);
  for (;;) {
    if (fs.existsSync(path.join(dir, "chatbot.yaml"))) return dir;
    const up = path.dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

function runCheck(root, collection) {
  const config = vscode.workspace.getConfiguration("smartapp");
  const command = config.get("command", "smartapp");
  const args = [...config.get("args", []), "check", root, "--json", ...config.get("modules", []).flatMap((m) => ["--modules", m])];
  execFile(command, args, { cwd: root, maxBuffer: 16 * 1024 * 1024 }, (err, stdout) => {
    let report;
    try {
      report = JSON.parse(stdout);
    } catch {
      if (err) vscode.window.setStatusBarMessage(`smartapp check failed: ${err.message}`, 5000);
      return;
    }
    const byFile = new Map();
    for (const d of report.diagnostics) {
      if (!d.file) continue;
      const uri = vscode.Uri.file(path.resolve(report.projectDir, d.file));
      const line = Math.max(0, (d.line ?? 1) - 1);
      const col = Math.max(0, (d.col ?? 1) - 1);
      const severity = d.severity === "error" ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning;
      const list = byFile.get(uri.toString()) ?? { uri, items: [] };
      list.items.push(new vscode.Diagnostic(new vscode.Range(line, col, line, col + 1), d.message, severity));
      byFile.set(uri.toString(), list);
    }
    collection.clear();
    for (const { uri, items } of byFile.values()) collection.set(uri, items);
  });
}

/** Every state of every .sc file of the project: path → location. */
async function projectStates(root) {
  const files = await vscode.workspace.findFiles(new vscode.RelativePattern(root, "**/*.sc"), "**/node_modules/**");
  const found = new Map();
  for (const uri of files) {
    const text = Buffer.from(await vscode.workspace.fs.readFile(uri)).toString("utf8");
    for (const s of indexStates(text)) if (!found.has(s.path)) found.set(s.path, new vscode.Location(uri, new vscode.Position(s.line, s.indent)));
  }
  return found;
}

function activate(context) {
  const collection = vscode.languages.createDiagnosticCollection("smartapp");
  context.subscriptions.push(collection);
  const check = (doc) => {
    if (doc.languageId !== "sc" && path.basename(doc.fileName) !== "chatbot.yaml") return;
    const root = projectRoot(doc.fileName);
    if (root) runCheck(root, collection);
  };
  context.subscriptions.push(vscode.workspace.onDidSaveTextDocument(check), vscode.workspace.onDidOpenTextDocument(check));
  vscode.workspace.textDocuments.forEach(check);

  context.subscriptions.push(
    vscode.languages.registerDefinitionProvider("sc", {
      async provideDefinition(doc, position) {
        const target = targetOnLine(doc.lineAt(position.line).text);
        const root = projectRoot(doc.fileName);
        if (!target || !root) return undefined;
        const text = doc.getText();
        const from = stateAt(indexStates(text), text, position.line);
        return (await projectStates(root)).get(resolveTarget(from, target));
      },
    }),
  );
}

function deactivate() {}

module.exports = { activate, deactivate };
