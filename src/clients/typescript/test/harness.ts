import { ChildProcess, spawn, execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { YakClient } from "../src/client";
import { DaemonUnavailableError } from "../src/errors";

/** The repository root: where YakDaemon.sln is, above this (compiled) file. */
export function repositoryRoot(): string {
  let directory = __dirname;
  while (!fs.existsSync(path.join(directory, "YakDaemon.sln"))) {
    const parent = path.dirname(directory);
    if (parent === directory) {
      throw new Error("YakDaemon.sln not found above " + __dirname);
    }
    directory = parent;
  }
  return directory;
}

/**
 * The .NET build output holding yakd.dll, yak-agent.dll and yak-local-cluster.dll side by side: YAK_TEST_BIN, else the
 * daemon tests' output (what `dotnet build YakDaemon.sln` or `dotnet test` leaves).
 */
export function buildOutput(): string {
  const folder = process.env.YAK_TEST_BIN ?? path.join(repositoryRoot(), "tests", "Yak.Daemon.Tests", "bin", "Debug", "net10.0");
  for (const program of ["yakd.dll", "yak-agent.dll", "yak-local-cluster.dll"]) {
    if (!fs.existsSync(path.join(folder, program))) {
      throw new Error(`${program} is not in ${folder}: run 'dotnet build tests/Yak.Daemon.Tests' first, or set YAK_TEST_BIN.`);
    }
  }
  return folder;
}

/** A private world for one test's yakd (as tests/Yak.Testing/YakSandbox.cs): its own XDG folders and socket. */
export class Sandbox {
  readonly root = fs.mkdtempSync(path.join(os.tmpdir(), "yk-node-"));
  readonly runtimeDirectory = path.join(this.root, "run");
  readonly env: Record<string, string>;

  constructor() {
    fs.mkdirSync(this.runtimeDirectory, { mode: 0o700 });
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(process.env)) {
      if (value !== undefined && key !== "YAK_SOCKET") {
        env[key] = value;
      }
    }
    this.env = {
      ...env,
      XDG_RUNTIME_DIR: this.runtimeDirectory,
      XDG_STATE_HOME: path.join(this.root, "state"),
      XDG_CONFIG_HOME: path.join(this.root, "config"),
      HOME: this.root,
      YAK_NO_AUTOSTART: "1",
      DOTNET_NOLOGO: "1",
    };
  }

  get socketPath(): string {
    return path.join(this.runtimeDirectory, "yak", "yakd.sock");
  }

  dispose(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

/** A real yakd child process in a sandbox. */
export class Daemon {
  private constructor(readonly sandbox: Sandbox, private readonly process: ChildProcess) {}

  static async start(sandbox: Sandbox, timeoutMs = 60_000): Promise<Daemon> {
    const output: string[] = [];
    const child = spawn("dotnet", [path.join(buildOutput(), "yakd.dll"), "--background"], { env: sandbox.env, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout!.on("data", (b: Buffer) => output.push(b.toString()));
    child.stderr!.on("data", (b: Buffer) => output.push(b.toString()));
    const daemon = new Daemon(sandbox, child);
    const deadline = Date.now() + timeoutMs;
    // Retry until it answers a handshake or dies: a cold .NET start takes a few hundred ms, and nothing signals the bind.
    for (;;) {
      if (child.exitCode !== null) {
        throw new Error(`yakd exited with ${child.exitCode} before answering:\n${output.join("")}`);
      }
      try {
        const client = await YakClient.connect({ clientName: "yak-node-tests", env: sandbox.env, timeoutMs: 5_000 });
        client.dispose();
        return daemon;
      } catch (error) {
        if (!(error instanceof DaemonUnavailableError) || Date.now() > deadline) {
          await daemon.stop();
          throw error;
        }
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    }
  }

  connect(clientName = "yak-node-tests"): Promise<YakClient> {
    return YakClient.connect({ clientName, env: this.sandbox.env });
  }

  async stop(): Promise<void> {
    if (this.process.exitCode === null && this.process.signalCode === null) {
      const exited = new Promise((resolve) => this.process.once("exit", resolve));
      this.process.kill("SIGTERM");
      const timer = setTimeout(() => this.process.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    }
  }
}

/** A yak-local-cluster process with its own state folder, started as yakctl does and read from its ready line. */
export class LocalCluster {
  private constructor(private readonly process: ChildProcess, readonly stateDirectory: string, readonly kubeconfig: string) {}

  static readonly context = "yak-local";

  static async start(timeoutMs = 90_000): Promise<LocalCluster> {
    const stateDirectory = fs.mkdtempSync(path.join(os.tmpdir(), "yak-kube-node-"));
    const kubeconfig = path.join(stateDirectory, "kubeconfig");
    const child = spawn("dotnet", [path.join(buildOutput(), "yak-local-cluster.dll"), "--port", "0", "--state-dir", stateDirectory, "--kubeconfig", kubeconfig], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    const log: string[] = [];
    child.stderr!.on("data", (b: Buffer) => log.push(b.toString()));
    await new Promise<void>((resolve, reject) => {
      let pending = "";
      const timer = setTimeout(() => fail(new Error(`yak-local-cluster was not ready within ${timeoutMs} ms:\n${log.join("")}`)), timeoutMs);
      const onData = (bytes: Buffer): void => {
        pending += bytes.toString();
        log.push(bytes.toString());
        for (const line of pending.split("\n")) {
          if (line.startsWith("{") && line.includes("\"kubeconfig\"")) {
            clearTimeout(timer);
            child.stdout!.off("data", onData);
            child.off("exit", onExit);
            child.stdout!.resume();
            resolve();
            return;
          }
        }
      };
      const onExit = (code: number | null): void => fail(new Error(`yak-local-cluster exited with ${code} before it was ready:\n${log.join("")}`));
      const fail = (error: Error): void => {
        clearTimeout(timer);
        child.kill("SIGKILL");
        reject(error);
      };
      child.stdout!.on("data", onData);
      child.once("exit", onExit);
    });
    return new LocalCluster(child, stateDirectory, kubeconfig);
  }

  /** Runs kubectl against this cluster. */
  kubectl(args: readonly string[], input?: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const child = execFile("kubectl", ["--kubeconfig", this.kubeconfig, "--context", LocalCluster.context, ...args], { timeout: 120_000 }, (error, stdout, stderr) => {
        if (error) {
          reject(new Error(`kubectl ${args.join(" ")} failed: ${stderr || error.message}`));
        } else {
          resolve(stdout);
        }
      });
      if (input !== undefined) {
        child.stdin!.end(input);
      }
    });
  }

  async stop(): Promise<void> {
    if (this.process.exitCode === null && this.process.signalCode === null) {
      const exited = new Promise((resolve) => this.process.once("exit", resolve));
      this.process.kill("SIGTERM");
      const timer = setTimeout(() => this.process.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(timer);
    }
    fs.rmSync(this.stateDirectory, { recursive: true, force: true });
  }
}
