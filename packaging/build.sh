#!/usr/bin/env bash
# Builds yak's releases from this checkout (Linux host, .NET SDK; gcc for the agents, aarch64-linux-gnu-gcc +
# libc6-dev-arm64-cross for the arm64 agent, dpkg-deb for .deb):
#
#   packaging/build.sh [--platform linux-x64,linux-arm64,osx-arm64,osx-x64,win-x64] [--formats tar,deb,brew,tool]
#                      [--agents linux-amd64,linux-arm64] [--out DIR] [--url-base URL] [--no-r2r] [--no-aot]
#
# Per platform, yakctl and yakd as NativeAOT executables where this host can compile them (NativeAOT does not cross
# operating systems or, here, architectures: the build host's own platform only; --no-aot to compare) and
# self-contained single-file ReadyToRun elsewhere (it cuts cold starts; --no-r2r to compare), plus yak-local-cluster
# on Linux, the static NativeAOT yak-agent for every node architecture in agents/,
# the systemd/launchd files and install.sh, as DIR/yak-VERSION-PLATFORM.tar.gz; a .deb for each Linux platform;
# DIR/yak.rb, a Homebrew formula with the tarballs' sha256; DIR/yakctl.VERSION.nupkg, a dotnet tool carrying yakd
# and the agents. The version comes from Directory.Build.props, the one place it is stamped.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"

platforms="linux-x64,linux-arm64,osx-arm64,osx-x64,win-x64"
formats="tar,deb,brew,tool"
agents="linux-amd64,linux-arm64"
out="$repo/artifacts/packages"
url_base=""
r2r=true
aot=true

usage() { sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }
while [ $# -gt 0 ]; do
  case "$1" in
    --platform) platforms="$2"; shift 2 ;;
    --formats) formats="$2"; shift 2 ;;
    --agents) agents="$2"; shift 2 ;;
    --out) out="$(mkdir -p "$2" && cd "$2" && pwd)"; shift 2 ;;
    --url-base) url_base="$2"; shift 2 ;;
    --no-r2r) r2r=false; shift ;;
    --no-aot) aot=false; shift ;;
    -h|--help) usage 0 ;;
    *) echo "build.sh: unknown argument '$1'" >&2; usage 2 >&2 ;;
  esac
done

has() { case ",$1," in *",$2,"*) return 0 ;; *) return 1 ;; esac; }
step() { echo "==> $*" >&2; }
fail() { echo "build.sh: $*" >&2; exit 1; }

for p in ${platforms//,/ }; do
  case "$p" in linux-x64|linux-arm64|osx-arm64|osx-x64|win-x64) ;; *) fail "unknown platform '$p' (linux-x64, linux-arm64, osx-arm64, osx-x64, win-x64)" ;; esac
done
for a in ${agents//,/ }; do
  case "$a" in linux-amd64|linux-arm64) ;; *) fail "no agent build for '$a' (linux-amd64, linux-arm64)" ;; esac
done
if has "$agents" linux-arm64 && [ "$(uname -m)" != aarch64 ] && ! command -v aarch64-linux-gnu-gcc >/dev/null; then
  fail "the linux-arm64 agent needs aarch64-linux-gnu-gcc and libc6-dev-arm64-cross (apt-get install gcc-aarch64-linux-gnu libc6-dev-arm64-cross), or --agents linux-amd64"
fi
if has "$formats" deb && ! command -v dpkg-deb >/dev/null; then fail "--formats deb needs dpkg-deb"; fi

version="$(dotnet msbuild src/Yak.Cli/Yak.Cli.csproj -getProperty:Version -p:YakDevLayout=false)"
[ -n "$version" ] || fail "could not read Version from Directory.Build.props"
url_base="${url_base:-https://github.com/yak-dev/yak/releases/download/v$version}"
mkdir -p "$repo/artifacts" "$out"
work="$(mktemp -d "$repo/artifacts/package-build.XXXXXX")"
trap 'rm -rf "$work"' EXIT
step "yak $version → $out"

# Properties every publish shares: a package lays its programs side by side (no dev layout), no debug files, and
# its own bin/obj under $work (--artifacts-path): a build running beside it in the same tree (a developer's, or
# the solution build while the packaging tests run) writes src/*/obj too, and two NativeAOT compiles of the same
# obj folder crashed ilc with a bus error.
common=(-c Release -p:YakDevLayout=false -p:DebugType=none -p:GenerateDocumentationFile=false --artifacts-path "$work/build" --nologo -v:quiet)

# The agents: static NativeAOT executables (no runtime, no libc needed in the sidecar), one per node architecture.
for a in ${agents//,/ }; do
  rid="${a/amd64/x64}"
  step "yak-agent $a (NativeAOT, static)"
  dotnet publish src/Yak.Agent/Yak.Agent.csproj "${common[@]}" -r "$rid" --self-contained -o "$work/agents/$a" >&2
  find "$work/agents/$a" -type f ! -name yak-agent -delete
done

publish_app() { # project platform dest [readytorun]
  local extra=(-p:PublishSingleFile=true -p:PublishReadyToRun="${4:-$r2r}")
  dotnet publish "$1" "${common[@]}" -r "$2" --self-contained "${extra[@]}" -o "$3" >&2
}

# NativeAOT compiles for the host's own OS and architecture only (cross-OS is unsupported; cross-architecture would need
# the target's libc and linker here): yakctl and yakd for any other platform stay single-file ReadyToRun programs.
# NativeAOT is what makes them start fast: yakctl like a native tool, yakd's first answer in about half the time of
# ReadyToRun (README, yakd's start): nothing to load or JIT-compile first.
host_rid="$(uname -s | tr '[:upper:]' '[:lower:]' | sed 's/darwin/osx/')-$(uname -m | sed 's/x86_64/x64/;s/aarch64/arm64/')"

publish_program() { # project name platform dest
  if $aot && [ "$3" = "$host_rid" ]; then
    step "$2 for $3 (NativeAOT)"
    dotnet publish "$1" "${common[@]}" -r "$3" --self-contained -p:PublishAot=true -o "$4" >&2
  else
    step "$2 for $3 (self-contained single file, ReadyToRun: $r2r; NativeAOT only for $host_rid on this host)"
    publish_app "$1" "$3" "$4"
  fi
}

lay_out() { # platform → $work/layout/yak-VERSION-PLATFORM
  local p="$1" dir="$work/layout/yak-$version-$1"
  mkdir -p "$dir"
  publish_program src/Yak.Cli/Yak.Cli.csproj yakctl "$p" "$work/publish/$p/yakctl"
  publish_program src/Yak.Daemon/Yak.Daemon.csproj yakd "$p" "$work/publish/$p/yakd"
  cp "$work/publish/$p/yakctl/"yakctl* "$work/publish/$p/yakd/"yakd* "$dir/"
  case "$p" in linux-*)
    # The local cluster runs pods as Linux processes (namespaces, nsenter): Linux only.
    step "yak-local-cluster for $p"
    # A test bed, started once per session: ReadyToRun would only add build time and size.
    publish_app src/Yak.LocalCluster/Yak.LocalCluster.csproj "$p" "$work/publish/$p/local-cluster" false
    cp "$work/publish/$p/local-cluster/yak-local-cluster" "$dir/" ;;
  esac
  find "$dir" -maxdepth 1 \( -name '*.pdb' -o -name '*.dbg' \) -delete
  cp -r "$work/agents" "$dir/agents"
  mkdir -p "$dir/systemd" "$dir/launchd" "$dir/cluster"
  cp systemd/yakd.service systemd/yakd.socket "$dir/systemd/"
  cp launchd/dev.yak.yakd.plist "$dir/launchd/"
  cp packaging/cluster/*.yaml "$dir/cluster/"
  cp packaging/install.sh "$dir/install.sh"
  chmod 0755 "$dir/install.sh"
  echo "$version" > "$dir/VERSION"
}

deb_arch() { case "$1" in linux-x64) echo amd64 ;; linux-arm64) echo arm64 ;; esac; }

build_deb() { # platform
  local p="$1" arch root deb
  arch="$(deb_arch "$p")"
  root="$work/deb/$p"
  deb="$out/yak_${version}_${arch}.deb"
  step "$(basename "$deb")"
  mkdir -p "$root/DEBIAN" "$root/usr/lib/yak" "$root/usr/bin" "$root/usr/lib/systemd/user" "$root/usr/share/yak"
  cp -r "$work/layout/yak-$version-$p/"{yakctl,yakd,yak-local-cluster,agents} "$root/usr/lib/yak/"
  ln -s ../lib/yak/yakctl "$root/usr/bin/yakctl"
  # User units (systemctl --user enable --now yakd.socket): yakd from its fixed place.
  sed 's|@YAKD_EXEC@|/usr/lib/yak/yakd|' systemd/yakd.service > "$root/usr/lib/systemd/user/yakd.service"
  cp systemd/yakd.socket "$root/usr/lib/systemd/user/"
  cp packaging/cluster/*.yaml "$root/usr/share/yak/"
  cat > "$root/DEBIAN/control" <<EOF
Package: yak
Version: $version
Architecture: $arch
Maintainer: yak <yak@users.noreply.github.com>
Depends: libc6, libgcc-s1, libstdc++6, zlib1g, libssl3 | libssl3t64
Section: devel
Priority: optional
Homepage: https://github.com/yak-dev/yak
Description: remote development environments on Kubernetes
 yakctl and the per-user daemon yakd: code synced into running containers, remote ports on localhost,
 environments that reconnect in seconds. Enable the daemon per user with
 systemctl --user enable --now yakd.socket (or let yakctl start it on demand).
EOF
  find "$root" -type d -exec chmod 0755 {} +
  # gzip: xz takes minutes on ~200 MB of executables for a few MB less.
  dpkg-deb --root-owner-group -Zgzip --build "$root" "$deb" >/dev/null
}

build_tar() { # platform
  local p="$1" tarball="$out/yak-$version-$1.tar.gz"
  step "$(basename "$tarball")"
  tar -C "$work/layout" --owner=0 --group=0 -czf "$tarball" "yak-$version-$p"
  sha256sum "$tarball" | cut -d' ' -f1 > "$tarball.sha256"
}

for p in ${platforms//,/ }; do
  if has "$formats" tar || has "$formats" deb || has "$formats" brew; then lay_out "$p"; fi
  if has "$formats" tar || has "$formats" brew; then build_tar "$p"; fi
  case "$p" in linux-*) if has "$formats" deb; then build_deb "$p"; fi ;; esac
done

if has "$formats" brew; then
  step "yak.rb (Homebrew formula)"
  sha() { cat "$out/yak-$version-$1.tar.gz.sha256" 2>/dev/null || fail "the Homebrew formula needs the $1 tarball (--platform ...,$1)"; }
  cat > "$out/yak.rb" <<EOF
# Generated by packaging/build.sh for yak $version.
class Yak < Formula
  desc "Remote development environments on Kubernetes: sync, port-forwards, environments"
  homepage "https://github.com/yak-dev/yak"
  version "$version"
  license "MIT"

  on_macos do
    on_arm do
      url "$url_base/yak-$version-osx-arm64.tar.gz"
      sha256 "$(sha osx-arm64)"
    end
    on_intel do
      url "$url_base/yak-$version-osx-x64.tar.gz"
      sha256 "$(sha osx-x64)"
    end
  end

  on_linux do
    on_arm do
      url "$url_base/yak-$version-linux-arm64.tar.gz"
      sha256 "$(sha linux-arm64)"
    end
    on_intel do
      url "$url_base/yak-$version-linux-x64.tar.gz"
      sha256 "$(sha linux-x64)"
    end
  end

  def install
    libexec.install Dir["*"]
    bin.install_symlink libexec/"yakctl"
  end

  service do
    run [opt_libexec/"yakd", "--background"]
    keep_alive true
  end

  test do
    assert_match version.to_s, shell_output("#{bin}/yakctl --version")
  end
end
EOF
fi

if has "$formats" tool; then
  # A dotnet tool is framework-dependent (it runs on the user's .NET 10): yakd and the local cluster travel beside
  # yakctl.dll and run with the same dotnet host; the agents are native and platform-neutral to the tool.
  step "yakctl.$version.nupkg (dotnet tool)"
  extras="$work/tool-extras"
  # No apphosts: the tool runs on any OS, so yakd.dll and yak-local-cluster.dll run with the dotnet host.
  dotnet publish src/Yak.Daemon/Yak.Daemon.csproj "${common[@]}" -p:UseAppHost=false -o "$extras" >&2
  dotnet publish src/Yak.LocalCluster/Yak.LocalCluster.csproj "${common[@]}" -p:UseAppHost=false -o "$extras" >&2
  # What yakctl itself ships (the same versions: central package management) is packed once, by the tool.
  dotnet publish src/Yak.Cli/Yak.Cli.csproj "${common[@]}" -o "$work/tool-cli" >&2
  for f in "$work/tool-cli"/*; do rm -f "$extras/$(basename "$f")"; done
  cp -r "$work/agents" "$extras/agents"
  dotnet pack src/Yak.Cli/Yak.Cli.csproj "${common[@]}" -p:YakToolExtras="$extras/" -p:CustomAfterMicrosoftCommonTargets="$repo/packaging/dotnet-tool.targets" -o "$out" >&2
fi

step "done"
ls -la "$out" >&2
