import * as vscode from "vscode";
import { YakClient, type Disposable as YakDisposable } from "@yak/client";
import { YakCommands, describeError, serviceTarget } from "./logic/commands";
import { DebugService, configurationPrefix } from "./logic/debugService";
import { launchFileIn } from "./logic/launchFile";
import { followLogs } from "./logic/logs";
import { StatusModel } from "./logic/statusModel";
import { StuckNotifier } from "./logic/stuck";
import { TerminalSession } from "./logic/terminal";
import { buildTree, type TreeNode } from "./logic/tree";
import type { YakUi } from "./logic/ui";

/** The VS Code side only: every decision is in ./logic (tested in node); this file adapts it to the editor's API. */
export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const statusItem = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 50);
  statusItem.command = "yak.status";
  statusItem.text = "yak: connecting…";
  statusItem.show();
  const output = vscode.window.createOutputChannel("yak");
  context.subscriptions.push(statusItem, output);

  const ui: YakUi = {
    setStatus(text, tooltip, attention) {
      statusItem.text = text;
      statusItem.tooltip = tooltip;
      statusItem.backgroundColor = attention ? new vscode.ThemeColor("statusBarItem.warningBackground") : undefined;
    },
    info: (message) => void vscode.window.showInformationMessage(message),
    warn: (message, ...actions) => Promise.resolve(vscode.window.showWarningMessage(message, ...actions)),
    error: (message) => void vscode.window.showErrorMessage(message),
  };

  let client: YakClient;
  try {
    client = await YakClient.connect({ clientName: "vscode-yak", clientVersion: context.extension.packageJSON.version as string });
  } catch (error) {
    statusItem.text = "yak: yakd not running";
    statusItem.tooltip = describeError(error);
    return;
  }
  context.subscriptions.push({ dispose: () => client.dispose() });

  const commands = new YakCommands(client, ui);
  const tree = new YakTreeProvider(commands);
  context.subscriptions.push(vscode.window.registerTreeDataProvider("yak.environments", tree));
  const refreshTree = (): void => tree.refresh();
  const treeEvents: YakDisposable[] = ["environment/stateChanged", "environment/progress", "environment/ready", "environment/down", "forward/stateChanged"]
    .map((key) => client.on(key as "environment/ready", refreshTree));
  context.subscriptions.push({ dispose: () => treeEvents.forEach((d) => d.dispose()) });
  await client.subscribe(["environment", "sync", "forward"]);

  const status = new StatusModel(client, ui);
  const stuck = new StuckNotifier(client, ui, (code) => runInTerminal(`yakctl explain ${code}`));
  context.subscriptions.push(status, stuck);
  await Promise.all([status.start(), stuck.start()]);

  const specPath = async (): Promise<string | undefined> => {
    const found = await vscode.workspace.findFiles("**/yak.yaml", "**/node_modules/**", 10);
    if (found.length === 1) {
      return found[0].fsPath;
    }
    const picked = await vscode.window.showQuickPick(found.map((f) => f.fsPath), { placeHolder: "Which yak.yaml?" });
    return picked;
  };
  const pickService = async (node?: TreeNode): Promise<{ environment: string; service: string; pod?: string } | undefined> => {
    if (node?.target) {
      return node.target;
    }
    const environments = (await commands.environments()) ?? [];
    const choices = environments.flatMap((e) => e.services.map((s) => ({ label: s.name, description: e.name, environment: e.name, service: s.name })));
    const picked = await vscode.window.showQuickPick(choices, { placeHolder: "Which service?" });
    return picked && { environment: picked.environment, service: picked.service };
  };
  const pickEnvironment = async (node?: TreeNode): Promise<string | undefined> => {
    if (node?.kind === "environment") {
      return node.label;
    }
    const environments = (await commands.environments()) ?? [];
    return environments.length === 1 ? environments[0].name : vscode.window.showQuickPick(environments.map((e) => e.name), { placeHolder: "Which environment?" });
  };
  const withProgress = <T>(title: string, task: () => Promise<T>): Thenable<T> =>
    vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title }, task);

  const register = (name: string, handler: (...args: never[]) => unknown): void => {
    context.subscriptions.push(vscode.commands.registerCommand(name, handler));
  };
  register("yak.up", async () => {
    const spec = await specPath();
    if (spec) {
      await withProgress("yak up", () => commands.up(spec));
      tree.refresh();
    }
  });
  register("yak.down", async (node?: TreeNode) => {
    const name = await pickEnvironment(node);
    if (name) {
      await withProgress(`yak down ${name}`, () => commands.down(name));
      tree.refresh();
    }
  });
  register("yak.update", async (node?: TreeNode) => {
    const name = await pickEnvironment(node);
    if (name) {
      await withProgress(`yak update ${name}`, () => commands.update(name));
      tree.refresh();
    }
  });
  register("yak.status", async () => {
    const text = await commands.status();
    if (text !== undefined) {
      output.appendLine(text);
      output.show(true);
    }
  });
  register("yak.flush", () => withProgress("yak: flushing sync", () => commands.flush()));
  register("yak.logs", async (node?: TreeNode) => {
    const target = await pickService(node);
    if (!target) {
      return;
    }
    const channel = vscode.window.createOutputChannel(`yak logs: ${target.service}`);
    channel.show(true);
    try {
      const follower = await followLogs(client, serviceTarget(target.environment, target.service, target.pod), channel);
      context.subscriptions.push({ dispose: () => follower.stop() }, channel);
    } catch (error) {
      ui.error(describeError(error));
    }
  });
  const openTerminal = async (node: TreeNode | undefined, command: readonly string[]): Promise<void> => {
    const target = await pickService(node);
    if (!target) {
      return;
    }
    const writeEmitter = new vscode.EventEmitter<string>();
    const closeEmitter = new vscode.EventEmitter<number>();
    let session: TerminalSession | undefined;
    const pty: vscode.Pseudoterminal = {
      onDidWrite: writeEmitter.event,
      onDidClose: closeEmitter.event,
      open: (dimensions) => {
        TerminalSession.open(client, serviceTarget(target.environment, target.service, target.pod), command,
          { write: (text) => writeEmitter.fire(text), close: (code) => closeEmitter.fire(code) },
          dimensions && { columns: dimensions.columns, rows: dimensions.rows })
          .then((s) => (session = s), (error) => {
            writeEmitter.fire(`${describeError(error)}\r\n`);
            closeEmitter.fire(1);
          });
      },
      close: () => session?.close(),
      handleInput: (data) => session?.input(data),
      setDimensions: (dimensions) => session?.resize(dimensions.columns, dimensions.rows),
    };
    vscode.window.createTerminal({ name: `yak: ${target.service}`, pty }).show();
  };
  register("yak.shell", (node?: TreeNode) => openTerminal(node, []));
  register("yak.exec", async (node?: TreeNode) => {
    const line = await vscode.window.showInputBox({ prompt: "Command to run in the service's container" });
    if (line) {
      await openTerminal(node, ["sh", "-c", line]);
    }
  });
  register("yak.forwards", async () => {
    const forwards = (await commands.forwards()) ?? [];
    const picked = await vscode.window.showQuickPick(
      forwards.map((f) => ({ label: `localhost:${f.localPort}`, description: `${f.target}:${f.remotePort} ${f.state}${f.lastError ? ` - ${f.lastError}` : ""}`, port: f.localPort })),
      { placeHolder: forwards.length > 0 ? "Open a forward in the browser" : "No forwards" });
    if (picked) {
      await vscode.env.openExternal(vscode.Uri.parse(`http://localhost:${picked.port}`));
    }
  });
  register("yak.openPort", async (node?: TreeNode) => {
    if (node?.url) {
      await vscode.env.openExternal(vscode.Uri.parse(node.url));
    }
  });
  register("yak.refresh", () => tree.refresh());

  // Debug sessions by name, so "Stop debugging service" can end the ones attached to the service.
  const debugSessions = new Set<vscode.DebugSession>();
  context.subscriptions.push(
    vscode.debug.onDidStartDebugSession((s) => debugSessions.add(s)),
    vscode.debug.onDidTerminateDebugSession((s) => debugSessions.delete(s)));
  const debugService = (): { service: DebugService; folder: vscode.WorkspaceFolder | undefined } => {
    const folder = vscode.workspace.workspaceFolders?.[0];
    const launch = folder
      ? launchFileIn(folder.uri.fsPath)
      : { read: () => Promise.resolve(undefined), write: () => Promise.reject(new Error("no folder is open to hold .vscode/launch.json")) };
    return { service: new DebugService(client, ui, launch, folder?.uri.fsPath), folder };
  };
  register("yak.debug", async (node?: TreeNode) => {
    const target = await pickService(node);
    if (!target) {
      return;
    }
    const current = (await commands.environments())?.find((e) => e.name === target.environment)?.services.find((s) => s.name === target.service)?.debug;
    const profile = await vscode.window.showInputBox({ prompt: `Debug profile of ${target.service} in yak.yaml (empty: its first)`, value: current ?? "" });
    if (profile === undefined) {
      return;
    }
    const { service, folder } = debugService();
    const started = await withProgress(`yak: starting ${target.service} under its debugger`,
      () => service.start({ environment: target.environment, service: target.service, profile: profile.trim() }));
    if (started && (await vscode.window.showInformationMessage(`yak: ${target.service}'s debugger answers on localhost:${started.localPort}.`, "Start debugging")) === "Start debugging") {
      await vscode.debug.startDebugging(folder, started.configuration as vscode.DebugConfiguration);
    }
  });
  register("yak.debugStop", async (node?: TreeNode) => {
    const target = await pickService(node);
    if (!target) {
      return;
    }
    const prefix = configurationPrefix(target.environment, target.service);
    await Promise.all([...debugSessions].filter((s) => s.name.startsWith(prefix)).map((s) => vscode.debug.stopDebugging(s)));
    await withProgress(`yak: ${target.service} runs as declared again`, () => debugService().service.stop(target));
    tree.refresh();
  });

  function runInTerminal(commandLine: string): void {
    const terminal = vscode.window.createTerminal("yak explain");
    terminal.sendText(commandLine);
    terminal.show();
  }
}

export function deactivate(): void {
  // Everything is in context.subscriptions.
}

/** The tree of environments → services → pods and ports, refreshed on pushed events. */
class YakTreeProvider implements vscode.TreeDataProvider<TreeNode> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly commands: YakCommands) {}

  refresh(): void {
    this.changed.fire();
  }

  async getChildren(element?: TreeNode): Promise<TreeNode[]> {
    if (element) {
      return [...element.children];
    }
    return buildTree((await this.commands.environments()) ?? []);
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    const item = new vscode.TreeItem(node.label, node.children.length > 0 ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
    item.id = node.id;
    item.description = node.description;
    item.contextValue = node.kind;
    item.iconPath = new vscode.ThemeIcon(
      node.problem ? "warning" : { environment: "cloud", service: "server-process", pod: "vm", port: "plug" }[node.kind]);
    if (node.kind === "port" && node.url) {
      item.command = { command: "yak.openPort", title: "Open", arguments: [node] };
    }
    return item;
  }
}
