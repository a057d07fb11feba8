"""`flowtail history` (the local engine) against `zcat | awk` answering the same three questions.

24 hours of a mid-size VPC in default-format records, spread over gz files as S3 delivers them
(generated, seeded), and one address: its timeline (5-minute bins by action), its peers (both
directions, by address, port, protocol and action) and its newest 50 records. Measured:

- the first answer (to its last line printed: the files scanned for the address, then converted to
  the Parquet cache before the command exits), against awk over the
  decompressed files computing the same three answers (its records sorted by start);
- the repeated question, answered from the cache;
- peak RSS of flowtail's processes (the largest one: the command or a conversion worker);
- the answers' agreement: matched records, the timeline and the peers' totals equal awk's.

    .venv/bin/python benchmarks/bench_history.py --records 10000000 --files 300 --runs 3

The data is kept in --dir between runs (generated once per size); the cache is emptied before each
run's first answer. With --runs N, the three measures are taken N times in turn and the medians
printed, with the median of the per-run ratios to awk (the machine's load drifts between runs).
"""

from __future__ import annotations

import argparse
import calendar
import gzip
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DAY_START = 1_700_000_000 - 1_700_000_000 % 86400
SUBJECT = "10.0.7.77"
PEERS = 100  # the peers listed (the command's default): awk's are ranked the same way to compare
AWK = r"""
$11 >= S && $11 < E && ($4 == A || $5 == A) {
    matched++
    bin = $11 - $11 % 300; key = bin " " $13
    tf[key]++; tb[key] += $10; tp[key] += $9
    if ($5 == A) { pk = $4 " " $7 " " $8 " " $13 " in"; pf[pk]++; pb[pk] += $10; pp[pk] += $9 }
    if ($4 == A) { pk = $5 " " $7 " " $8 " " $13 " out"; pf[pk]++; pb[pk] += $10; pp[pk] += $9 }
    print $11 "\t" $0 > REC
}
END {
    print "matched", matched + 0
    for (k in tf) print "timeline", k, tf[k], tb[k], tp[k]
    for (k in pf) print "peer", k, pf[k], pb[k], pp[k]
}
"""


def generate(directory: Path, records: int, files: int, seed: int = 1) -> None:
    """``records`` default-format records over 24 h in ``files`` gz files (~5 minutes each)."""
    rng = random.Random(seed)
    inside = [f"10.0.{a}.{b}" for a in range(16) for b in range(1, 126)]  # 2,000 addresses
    outside = [f"{rng.randint(1, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
               for _ in range(5000)]
    enis = [f"eni-{rng.getrandbits(68):017x}" for _ in range(400)]
    ports = [22, 80, 443, 443, 443, 3306, 5432, 6379, 8080, 53, 123]
    per_file, span = records // files, 86400 // files
    for index in range(files):
        lines = []
        base = DAY_START + index * span
        for _ in range(per_file + (1 if index < records % files else 0)):
            start = base + rng.randrange(span)
            src = SUBJECT if rng.random() < 0.002 else rng.choice(inside if rng.random() < 0.7 else outside)
            dst = SUBJECT if rng.random() < 0.002 else rng.choice(inside)
            packets = rng.randint(1, 400)
            action = "ACCEPT" if rng.random() < 0.85 else "REJECT"
            lines.append(
                f"2 123456789012 {rng.choice(enis)} {src} {dst} {rng.randint(1024, 65535)} {rng.choice(ports)} "
                f"{6 if rng.random() < 0.8 else 17} {packets} {packets * rng.randint(40, 1500)} {start} "
                f"{start + 60} {action} OK\n"
            )
        header = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end " \
                 "action log-status\n"
        with gzip.open(directory / f"flows-{index:04d}.log.gz", "wt", compresslevel=1) as stream:
            stream.write(header + "".join(lines))


def cpu_seconds() -> float:
    """User + system CPU of the finished child processes so far (the machine is shared: wall time
    swings with its load, CPU time much less)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_awk(directory: Path) -> tuple[float, dict]:
    with tempfile.TemporaryDirectory() as scratch:
        records = os.path.join(scratch, "records.tsv")
        started = time.perf_counter()
        script = (
            f"zcat {directory}/*.log.gz | awk -v A={SUBJECT} -v S={DAY_START} -v E={DAY_START + 86400} "
            f"-v REC={records} '{AWK}' && sort -t '\t' -k1,1nr {records} | head -50 > {records}.top"
        )
        out = subprocess.run(["bash", "-c", script], capture_output=True, text=True, check=True).stdout
        seconds = time.perf_counter() - started
    result: dict = {"timeline": {}, "peers": {}}
    for line in out.splitlines():
        parts = line.split()
        if parts[0] == "matched":
            result["matched"] = int(parts[1])
        elif parts[0] == "timeline":
            result["timeline"][(int(parts[1]), parts[2])] = (int(parts[3]), int(parts[4]), int(parts[5]))
        else:
            result["peers"][tuple(parts[1:6])] = (int(parts[6]), int(parts[7]), int(parts[8]))
    return seconds, result


def run_flowtail(directory: Path, cache: Path) -> tuple[float, float, dict, list[str]]:
    environment = dict(os.environ, XDG_CACHE_HOME=str(cache))
    since = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(DAY_START))
    until = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(DAY_START + 86400))
    command = [sys.executable, "-m", "tui", "history", SUBJECT, str(directory), "--since", since, "--until", until,
               "--json", "--peers", str(PEERS), "--records", "50"]
    started = time.perf_counter()
    # The answer is timed to its last line (the summary): a first answer then caches the files
    # before the command exits (the time to exit is returned too).
    lines = []
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                          env=environment) as process:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            if json.loads(line)["type"] == "summary":
                seconds = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"flowtail history exited {process.returncode}")
    exited = time.perf_counter() - started
    result: dict = {"timeline": {}, "peers": {}}
    messages = []
    for line in lines:
        item = json.loads(line)
        if item["type"] == "timeline":
            start = calendar.timegm(time.strptime(item["start"], "%Y-%m-%dT%H:%M:%SZ"))
            result["timeline"][(start, item["action"])] = (item["flows"], item["bytes"], item["packets"])
        elif item["type"] == "peer":
            key = (item["address"], str(item["port"]), str(item["protocol"]), item["action"], item["direction"])
            result["peers"][key] = (item["flows"], item["bytes"], item["packets"])
        elif item["type"] == "record":
            messages.append(item["message"])
        else:
            result["matched"] = item["records"]
    return seconds, exited, result, messages


def top_peers(peers: dict) -> dict:
    """awk's peers cut to the PEERS first in flowtail's order (ACCEPT first, then flows, bytes,
    packets descending, then address, port, protocol, direction)."""
    def key(item):
        (address, port, protocol, action, direction), (flows, size, packets) = item
        return (action != "ACCEPT", -flows, -size, -packets, address, int(port), int(protocol), direction, action)

    return dict(sorted(peers.items(), key=key)[:PEERS])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000_000)
    parser.add_argument("--files", type=int, default=300)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--dir", default=os.path.join(tempfile.gettempdir(), "flowtail-bench-history"))
    args = parser.parse_args()
    directory = Path(args.dir) / f"{args.records}-{args.files}"
    if not (directory / ".done").exists():
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True)
        started = time.perf_counter()
        generate(directory, args.records, args.files)
        (directory / ".done").touch()
        print(f"generated {args.records:,} records in {args.files} gz files in {time.perf_counter() - started:.1f} s")
    size = sum(path.stat().st_size for path in directory.glob("*.gz"))
    print(f"data: {args.records:,} records, {args.files} files, {size / 1e6:.0f} MB gz; subject {SUBJECT}")
    cache = Path(args.dir) / "cache"
    rows, agree, peak_mb = [], True, 0.0
    for run in range(1, args.runs + 1):
        shutil.rmtree(cache, ignore_errors=True)
        cpu = [cpu_seconds()]
        awk_s, awk = run_awk(directory)
        cpu.append(cpu_seconds())
        first_s, cached_s, first, _ = run_flowtail(directory, cache)
        cpu.append(cpu_seconds())
        again_s, _, again, _ = run_flowtail(directory, cache)
        cpu.append(cpu_seconds())
        awk_cpu, first_cpu, again_cpu = (later - earlier for earlier, later in zip(cpu, cpu[1:]))
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        awk = dict(awk, peers=top_peers(awk["peers"]))
        agree = agree and first == awk and again == awk
        rows.append((awk_s, awk_cpu, first_s, first_cpu, again_s, again_cpu, cached_s))
        print(f"run {run}: awk {awk_s:.2f} s (CPU {awk_cpu:.2f}), first {first_s:.2f} s ({first_s / awk_s:.2f} x awk; "
              f"cached and exited at {cached_s:.2f} s, CPU {first_cpu:.2f} in all), "
              f"repeated {again_s:.2f} s (CPU {again_cpu:.2f}); "
              f"load {os.getloadavg()[0]:.1f}", flush=True)
    med = [statistics.median(column) for column in zip(*rows)]
    ratio = statistics.median(row[2] / row[0] for row in rows)
    cpu_ratio = statistics.median(row[3] / row[1] for row in rows)
    print(f"medians over {len(rows)} run(s) (matched {awk['matched']:,}):")
    print(f"zcat | awk           {med[0]:7.2f} s, CPU {med[1]:6.2f} s")
    print(f"flowtail, first      {med[2]:7.2f} s  wall ratio to awk {ratio:.2f} (goal <= 0.5)")
    print(f"  then cached, exit  {med[6]:7.2f} s, CPU {med[3]:6.2f} s (answer and caching), CPU ratio {cpu_ratio:.2f}")
    print(f"flowtail, repeated   {med[4]:7.2f} s, CPU {med[5]:6.2f} s  (goal < 1 s)")
    print(f"peak RSS             {peak_mb:7.0f} MB (largest process, awk's included; goal < 500 MB)")
    print(f"answers agree        {agree}")
    return 0 if agree else 1

if __name__ == "__main__":
    sys.exit(main())
