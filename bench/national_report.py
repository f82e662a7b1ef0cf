"""The tables bench/national_load.py prints from its records."""


def table(records):
    lines = ["| scenario | clients | req/s | p50 ms | p95 ms | p99 ms | /healthz req/s | ratio | load "
             "| primary CPU ms/req | replica CPU ms/req |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in records:
        ratio = r.get("ratio_to_healthz")
        lines.append(f"| {r['scenario']} | {r['concurrency']} | {r['rps']} | {r['p50_ms']:g} | {r['p95_ms']:g} | "
                     f"{r['p99_ms']:g} | {r['healthz_rps'] if r['healthz_rps'] is not None else '—'} | "
                     f"{'—' if ratio is None else f'{ratio:.0%}'} | {r['load_average'][0]:.1f} | "
                     f"{r.get('primary', {}).get('cpu_ms_per_request', '—')} | "
                     f"{r.get('replica', {}).get('cpu_ms_per_request', '—')} |")
    return "\n".join(lines)


def tail_growth(records, low=8, high=32, limit=4):
    """Each page's p99 at `high` clients over its p99 at `low` (the target: at most `limit`),
    as measured and with the machine's speed taken out: times /healthz's requests a second
    at `high` over those at `low`, measured around the same pages. The two concurrencies
    run minutes apart, and a VM that slowed between them lengthens every wait at `high`
    by as much as it lowered /healthz. Empty when the run had not both."""
    at = {(r["scenario"], r["concurrency"]): r for r in records if r.get("healthz_rps") is not None}
    lines = []
    for (scenario, clients), r in at.items():
        other = at.get((scenario, high))
        if clients != low or scenario == "healthz" or other is None or not r["p99_ms"] or not r["healthz_rps"]:
            continue
        measured = other["p99_ms"] / r["p99_ms"]
        speed = other["healthz_rps"] / r["healthz_rps"]
        flag = " (over)" if measured > limit else ""
        lines.append(f"| {scenario} | {r['p99_ms']:g} | {other['p99_ms']:g} | {measured:.2f}{flag} | "
                     f"{r['healthz_rps']:g} → {other['healthz_rps']:g} | {measured * speed:.2f} |")
    if not lines:
        return ""
    return "\n".join([f"| scenario | p99 ms at {low} | p99 ms at {high} | {high} ÷ {low} (at most {limit}) "
                      f"| /healthz req/s at {low} → {high} | {high} ÷ {low}, the machine's speed taken out |",
                      "|---|---|---|---|---|---|", *lines])
