import * as path from "node:path";

/** The variable that overrides the socket path (as for yakctl). */
export const SocketOverrideVariable = "YAK_SOCKET";
export const SocketFileName = "yakd.sock";

export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * Where this user's yakd listens, derived exactly as yakctl derives it (src/Yak.Protocol/Transport/DaemonEndpoint.cs):
 * YAK_SOCKET if set, else $XDG_RUNTIME_DIR/yak/yakd.sock, else $TMPDIR/yak-<uid>/yakd.sock.
 */
export function resolveSocketPath(env: Environment = process.env, uid: number = effectiveUid()): string {
  const override = env[SocketOverrideVariable];
  if (override) {
    return override;
  }

  const runtime = absolute(env.XDG_RUNTIME_DIR);
  if (runtime) {
    return path.join(runtime, "yak", SocketFileName);
  }

  // No runtime dir (ssh sessions, containers): a private folder in the temp dir named for the uid.
  // As .NET's Path.GetTempPath on Unix: TMPDIR when set, else /tmp.
  const temp = env.TMPDIR || "/tmp";
  return path.join(temp, `yak-${uid}`, SocketFileName);
}

/** The effective uid the socket must belong to. */
export function effectiveUid(): number {
  if (typeof process.geteuid !== "function") {
    throw new Error("yak's TypeScript client needs a Unix system (no effective uid here).");
  }
  return process.geteuid();
}

// The XDG spec says relative values are invalid and must be ignored.
function absolute(value: string | undefined): string | undefined {
  return value && path.isAbsolute(value) ? value : undefined;
}
