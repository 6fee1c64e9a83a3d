#!/usr/bin/env bash
# Builds nianbao in release mode with the Swift runtime and Foundation linked in
# (--static-swift-stdlib), checks that the binary needs no library of the Swift toolchain, and
# installs it with its man page and shell completions:
#
#   PREFIX/bin/nianbao
#   PREFIX/share/man/man1/nianbao.1 (and nianbao.harvest.1 … one page per subcommand)
#   PREFIX/share/bash-completion/completions/nianbao
#   PREFIX/share/zsh/site-functions/_nianbao
#   PREFIX/share/fish/vendor_completions.d/nianbao.fish
#
# usage: scripts/install.sh [PREFIX]      (default /usr/local; needs write access to it)
#        NIANBAO_SCRATCH_PATH=DIR scripts/install.sh …   builds in DIR instead of .build
#
# The installed binary still uses the system's libxml2, SQLite, zlib, brotli and ICU (Debian
# packages: libxml2 libsqlite3-0 zlib1g libbrotli1 libicu72), and loads libcurl (harvest) and libpq
# (PostgreSQL) when a command needs them. Another machine of the same distribution runs it without
# Swift installed.
set -euo pipefail
prefix="${1:-/usr/local}"
case "$prefix" in /*) ;; *) prefix="$PWD/$prefix" ;; esac
cd "$(dirname "$0")/.."
bash scripts/setup.sh
log() { echo "install: $*" >&2; }
scratch=(); [ -n "${NIANBAO_SCRATCH_PATH:-}" ] && scratch=(--scratch-path "$NIANBAO_SCRATCH_PATH")

# The manual first: the plugin builds the package in release mode without the static runtime, and
# the static build below relinks the binary after it.
log "writing the manual (swift-argument-parser's generate-manual plugin)"
swift package "${scratch[@]}" plugin generate-manual --multi-page >/dev/null
man_dir="${NIANBAO_SCRATCH_PATH:-.build}/plugins/GenerateManual/outputs/nianbao"

log "building a release binary with the Swift runtime linked in"
swift build "${scratch[@]}" -c release --product nianbao --static-swift-stdlib 2>&1 | grep -Ev '^\[[0-9]+/[0-9]+\]|^Compiling|^Building|^Write|mktemp' || true
bin="$(swift build "${scratch[@]}" -c release --static-swift-stdlib --show-bin-path)/nianbao"
[ -x "$bin" ] || { log "no binary at $bin"; exit 1; }

# Nothing of the toolchain may be left among the libraries the binary loads.
toolchain_libs=$(ldd "$bin" | grep -E 'libswift|libFoundation|libdispatch|libBlocksRuntime|lib_FoundationICU|libXCTest|/swift/' || true)
if [ -n "$toolchain_libs" ]; then
  log "$bin still needs the Swift toolchain's libraries:"
  echo "$toolchain_libs" >&2
  exit 1
fi

install -d "$prefix/bin" "$prefix/share/man/man1" "$prefix/share/bash-completion/completions" \
  "$prefix/share/zsh/site-functions" "$prefix/share/fish/vendor_completions.d"
tmp="$prefix/bin/.nianbao.tmp-$$"
cp "$bin" "$tmp"
strip --strip-debug "$tmp" 2>/dev/null || true
chmod 755 "$tmp"
mv -f "$tmp" "$prefix/bin/nianbao"
for page in "$man_dir"/*.1; do install -m 644 "$page" "$prefix/share/man/man1/"; done
"$prefix/bin/nianbao" --generate-completion-script bash > "$prefix/share/bash-completion/completions/nianbao"
"$prefix/bin/nianbao" --generate-completion-script zsh > "$prefix/share/zsh/site-functions/_nianbao"
"$prefix/bin/nianbao" --generate-completion-script fish > "$prefix/share/fish/vendor_completions.d/nianbao.fish"
log "installed $prefix/bin/nianbao ($("$prefix/bin/nianbao" --version)), $(ls "$man_dir"/*.1 | wc -l) manual pages and bash, zsh and fish completions"
