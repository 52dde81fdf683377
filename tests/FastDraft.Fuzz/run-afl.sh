#!/usr/bin/env bash
# Coverage-guided fuzzing of every parser of outside input, with SharpFuzz and AFL++.
#   tests/FastDraft.Fuzz/run-afl.sh [SECONDS_PER_TARGET] [TARGET...]
# Needs afl-fuzz (Debian: apt-get install afl++) and the SharpFuzz instrumenter
# (dotnet tool install --global SharpFuzz.CommandLine). Not part of CI: the suite replays the seeds
# (FuzzSeedTests); this script is run by hand and its summary goes into the issue notes.
set -euo pipefail
seconds=${1:-300}
shift || true
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${FUZZ_OUT:-/tmp/fastdraft-fuzz}
export PATH="$PATH:$HOME/.dotnet/tools"
command -v afl-fuzz >/dev/null || { echo "afl-fuzz not found: apt-get install afl++" >&2; exit 2; }
command -v sharpfuzz >/dev/null || { echo "sharpfuzz not found: dotnet tool install --global SharpFuzz.CommandLine" >&2; exit 2; }

# Instrumented assemblies run only under afl-fuzz; seeds and replays use a plain copy.
rm -rf "$out/bin" "$out/plain" && mkdir -p "$out"
dotnet publish "$root/tests/FastDraft.Fuzz" -c Release -o "$out/plain" -v q -nologo
cp -r "$out/plain" "$out/bin"
for assembly in FastDraft FastDraft.OnnxRuntime FastDraft.Text FastDraft.Training; do
  sharpfuzz "$out/bin/$assembly.dll"
done

fuzz() { dotnet "$out/plain/FastDraft.Fuzz.dll" "$@"; }
rm -rf "$out/seeds" && fuzz seeds "$out/seeds"
targets=("$@")
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(fuzz list)

summary="$out/summary.md"
{
  echo "| target | seconds | executions | execs/s | corpus | edges found | crashes | hangs | escapes on replay |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
} > "$summary"
for target in "${targets[@]}"; do
  rm -rf "$out/findings/$target" && mkdir -p "$out/findings"
  dictionary=()
  json_dict=/usr/share/doc/afl++-doc/afl/dictionaries/json.dict # Debian's afl++-doc, when installed
  [[ "$target" == *config* || "$target" == tokenizer-json ]] && [ -f "$json_dict" ] && dictionary=(-x "$json_dict")
  AFL_SKIP_BIN_CHECK=1 AFL_SKIP_CPUFREQ=1 AFL_NO_UI=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
    afl-fuzz -V "$seconds" -t 10000 -m none "${dictionary[@]}" -i "$out/seeds/$target" -o "$out/findings/$target" -- \
    dotnet "$out/bin/FastDraft.Fuzz.dll" fuzz "$target" > "$out/$target.log" 2>&1 || true
  stats="$out/findings/$target/default/fuzzer_stats"
  value() { grep -E "^$1 " "$stats" | sed 's/.*: //'; }
  escapes=0
  if compgen -G "$out/findings/$target/default/crashes/id*" > /dev/null; then
    fuzz replay "$target" "$out/findings/$target/default/crashes" > "$out/$target.replay.txt" || escapes=$(grep -c ': ' "$out/$target.replay.txt" || true)
  fi
  echo "| $target | $seconds | $(value execs_done) | $(value execs_per_sec) | $(value corpus_count) | $(value edges_found) | $(value saved_crashes) | $(value saved_hangs) | $escapes |" >> "$summary"
done
cat "$summary"
