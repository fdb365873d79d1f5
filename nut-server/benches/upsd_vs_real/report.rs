//! The Markdown report: the targets of issue 3 with a verdict each, then
//! one table per measurement.

use std::fmt::Write as _;

use crate::Settings;
use crate::labs::Flavor;
use crate::load::count_f64;
use crate::phases::{
    Cell, IDLE_CLIENTS, PIPELINE_CONNS, PIPELINE_DEPTH, Perf, REFUSE_MAXCONN, REFUSE_NOFILE,
    Refusal, Results, ratio_median,
};

/// Shown where nothing was measured.
const DASH: &str = "–";

/// A rate with thousands separators.
fn rate(v: f64) -> String {
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let n = v.round().max(0.0) as u64;
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A latency given in µs.
fn lat(us: f64) -> String {
    if us >= 1000.0 {
        format!("{:.2} ms", us / 1000.0)
    } else {
        format!("{us:.0} µs")
    }
}

fn ratio(ours: f64, real: f64) -> String {
    if real > 0.0 {
        times(ours / real)
    } else {
        DASH.to_owned()
    }
}

fn times(x: f64) -> String {
    format!("{x:.2}×")
}

/// Median over repetitions of ours / real (`[1]` over `[0]`) and of ours /
/// ceiling (`[1]` over `[2]`).
fn cell_ratios(cell: &Cell) -> (Option<f64>, Option<f64>) {
    (
        ratio_median(&cell[1], &cell[0]),
        ratio_median(&cell[1], &cell[2]),
    )
}

fn pct(part: f64, whole: f64) -> String {
    if whole > 0.0 {
        format!("{:.0} %", 100.0 * part / whole)
    } else {
        DASH.to_owned()
    }
}

fn verdict(met: bool, miss: impl FnOnce() -> String) -> String {
    if met {
        "**met**".to_owned()
    } else {
        format!("**missed**: {}", miss())
    }
}

fn medians(cell: &Cell) -> [Option<Perf>; 3] {
    [
        Perf::median(&cell[0]),
        Perf::median(&cell[1]),
        Perf::median(&cell[2]),
    ]
}

fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map_or("unknown CPU", |(_, m)| m.trim())
        .to_owned();
    let cores = std::thread::available_parallelism().map_or(0, std::num::NonZero::get);
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    format!("{cores} cores ({model}), Linux {}", kernel.trim())
}

/// Renders everything measured.
pub(crate) fn render(settings: &Settings, r: &Results, nofile: u64) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "## upsd_vs_real: our upsd against the real NUT 2.8.0 upsd\n"
    );
    let _ = writeln!(
        o,
        "{} run, {} repetition(s) per cell (medians), {:.0} s wall; machine: {}; \
         load average {} at start, {} at end; loader fd limit {nofile}.\n",
        if settings.quick { "Quick" } else { "Full" },
        settings.reps,
        r.wall_secs,
        machine(),
        r.load_average.0,
        r.load_average.1
    );
    for (ups, same, differ) in &r.list_check {
        let _ = writeln!(
            o,
            "Same data: `LIST VAR {ups}` gives {same} identical non-`driver.*` lines on both{}.",
            if differ.is_empty() {
                String::new()
            } else {
                format!("; differing: {}", differ.join("; "))
            }
        );
    }
    if let Some((_, cell)) = r.get.iter().find(|(c, _)| *c == 50)
        && let [Some(real), _, _] = medians(cell)
    {
        let _ = writeln!(
            o,
            "\nSaturation check (GET, 50 connections): real upsd at {:.0} % of a core, loader at {:.0} %{}.",
            real.server_cpu,
            real.client_cpu,
            if real.server_cpu + real.client_cpu < 170.0 {
                "; together well under the 2 cores, so other processes on the machine held \
                 the rest and the figures are bound by the shared machine, not by either side"
            } else {
                ""
            }
        );
    }
    o.push('\n');
    targets(&mut o, settings, r);
    get_table(&mut o, r);
    list_table(&mut o, r);
    churn_table(&mut o, r);
    crowd_table(&mut o, r);
    refusal_table(&mut o, r);
    memory_table(&mut o, r);
    idle_table(&mut o, settings, r);
    cold_table(&mut o, r);
    o
}

fn targets(o: &mut String, settings: &Settings, r: &Results) {
    let _ = writeln!(
        o,
        "### Targets\n\n| target | measured | verdict |\n| --- | --- | --- |"
    );
    if !r.get.is_empty() {
        let mut worst_real = f64::INFINITY;
        let mut worst_ceiling = f64::INFINITY;
        let mut real_text = Vec::new();
        let mut ceiling_text = Vec::new();
        for (conns, cell) in &r.get {
            let (Some(to_real), Some(to_ceiling)) = cell_ratios(cell) else {
                continue;
            };
            worst_real = worst_real.min(to_real);
            worst_ceiling = worst_ceiling.min(to_ceiling);
            real_text.push(format!("c{conns} {}", times(to_real)));
            ceiling_text.push(format!("c{conns} {:.0} %", 100.0 * to_ceiling));
        }
        let _ = writeln!(
            o,
            "| GET ≥ real upsd at 1, 10, 50, 200 conns | ours/real: {} | {} |",
            real_text.join(", "),
            verdict(worst_real >= 1.0, || format!(
                "worst {:.0} % below real",
                100.0 * (1.0 - worst_real)
            ))
        );
        let _ = writeln!(
            o,
            "| GET ≥ 95 % of the ceiling server | ours/ceiling: {} | {} |",
            ceiling_text.join(", "),
            verdict(worst_ceiling >= 0.95, || format!(
                "worst {:.0} % of the ceiling, {:.0} points short",
                100.0 * worst_ceiling,
                100.0 * (0.95 - worst_ceiling)
            ))
        );
    }
    if let ([Some(real), Some(ours), _], (Some(x), _)) =
        (medians(&r.pipeline), cell_ratios(&r.pipeline))
    {
        let _ = writeln!(
            o,
            "| pipelined GET ≥ 2× real | {} vs {} req/s (medians); ours/real {} | {} |",
            rate(ours.rate),
            rate(real.rate),
            times(x),
            verdict(x >= 2.0, || format!("{:.2}× short of 2×", 2.0 - x))
        );
    }
    if !r.list.is_empty() {
        let mut worst: f64 = 0.0;
        let mut text = Vec::new();
        for (ups, conns, cell) in &r.list {
            if let [real, Some(ours), _] = medians(cell) {
                worst = worst.max(ours.p50);
                text.push(format!(
                    "{ups} c{conns} {} (real {})",
                    lat(ours.p50),
                    real.map_or_else(|| DASH.to_owned(), |p| lat(p.p50))
                ));
            }
        }
        let _ = writeln!(
            o,
            "| LIST VAR p50 < 1 ms | {} | {} |",
            text.join("; "),
            verdict(worst < 1000.0, || format!("worst p50 {}", lat(worst)))
        );
    }
    if let Some(crowd) = r.crowd.get(1) {
        let mut worst = f64::INFINITY;
        let mut text = Vec::new();
        for (conns, perf) in &crowd.get {
            let without = crowd
                .get_without
                .iter()
                .find(|(c, _)| c == conns)
                .map_or(0.0, |(_, p)| p.rate);
            if without > 0.0 {
                worst = worst.min(perf.rate / without);
            }
            text.push(format!(
                "c{conns} {} of {} req/s = {}",
                rate(perf.rate),
                rate(without),
                pct(perf.rate, without)
            ));
        }
        let _ = writeln!(
            o,
            "| GET with {} idle clients ≥ 50 % of without | {} | {} |",
            rate(count_f64(crowd.held as u64)),
            text.join("; "),
            verdict(worst >= 0.5, || format!("worst {:.0} %", 100.0 * worst))
        );
    }
    if let Some(crowd) = r.crowd.get(1) {
        let refused = r.refuse_maxconn.get(1);
        let clean = |x: Option<&Refusal>| {
            x.is_some_and(|x| x.unanswered == 0 && x.connect_failed == 0 && x.hold_cpu < 5.0)
        };
        let ok = crowd.held == settings.crowd
            && crowd.survivors == crowd.held
            && clean(refused)
            && clean(r.refuse_nofile.get(1));
        let _ = writeln!(
            o,
            "| {} idle clients held; clean refusal past MAXCONN | held {} of {}, {} still answering after the GET runs; \
             past MAXCONN {REFUSE_MAXCONN}: {}; past the fd limit: {} | {} |",
            rate(count_f64(settings.crowd as u64)),
            crowd.held,
            crowd.wanted,
            crowd.survivors,
            refusal_text(refused),
            refusal_text(r.refuse_nofile.get(1)),
            verdict(ok, || "see the refusal table".to_owned())
        );
    }
    if let (Some(real), Some(ours)) = (r.crowd.first(), r.crowd.get(1)) {
        let per = |c: &crate::phases::Crowd| {
            count_f64(c.rss_loaded.saturating_sub(c.rss_before)) / count_f64(c.held.max(1) as u64)
        };
        let (pr, po) = (per(real), per(ours));
        let _ = writeln!(
            o,
            "| memory per idle client ≤ 2× real | ours {po:.2} kB, real {pr:.2} kB = {} | {} |",
            ratio(po, pr),
            verdict(po <= 2.0 * pr, || format!(
                "{:.2} kB over 2× real",
                po - 2.0 * pr
            ))
        );
    }
    if let (Some(real), Some(ours)) = (
        r.idle
            .iter()
            .find(|p| p.name.starts_with("real upsd, 2 UPS")),
        r.idle
            .iter()
            .find(|p| p.name.starts_with("ours upsd, 2 UPS")),
    ) {
        let _ = writeln!(
            o,
            "| no periodic wake-ups when idle ({IDLE_CLIENTS} idle clients, {} s) | ours {} wake-ups, {:.2} ms CPU; real {} wake-ups, {:.2} ms CPU | {} |",
            settings.idle_window.as_secs(),
            ours.delta.voluntary,
            ours.delta.cpu_ms,
            real.delta.voluntary,
            real.delta.cpu_ms,
            verdict(ours.delta.voluntary == 0, || format!(
                "{} wake-ups in {} s",
                ours.delta.voluntary,
                settings.idle_window.as_secs()
            ))
        );
    }
    let stack = r.cold.iter().find(|(f, _)| *f == Flavor::Stack);
    let real = r.cold.iter().find(|(f, _)| *f == Flavor::Real);
    let pair = r.cold.iter().find(|(f, _)| *f == Flavor::Ours);
    if let Some((_, real)) = real
        && let Some((upsd, driver)) = real.rss_kb
    {
        let real_total = upsd + driver;
        let (what, ours_total) = match stack {
            Some((_, s)) if s.failure.is_none() => (
                "ours in-process (upsd hosting dummy-ups)",
                s.rss_kb.map(|(u, d)| u + d),
            ),
            _ => (
                "in-process hosting unavailable; our upsd + our dummy-ups",
                pair.and_then(|(_, p)| p.rss_kb).map(|(u, d)| u + d),
            ),
        };
        if let Some(ours_total) = ours_total {
            let _ = writeln!(
                o,
                "| in-process stack RSS < real upsd + dummy-ups | {what}: {ours_total} kB; real {upsd} + {driver} = {real_total} kB | {} |",
                verdict(ours_total < real_total, || format!(
                    "{} kB over",
                    ours_total - real_total
                ))
            );
        }
    }
    o.push('\n');
}

fn refusal_text(x: Option<&Refusal>) -> String {
    x.map_or_else(
        || "not measured".to_owned(),
        |x| {
            format!(
                "{} served, {} closed at once, {} left hanging, upsd CPU {:.0} %",
                x.served,
                x.refused,
                x.unanswered + x.connect_failed,
                x.hold_cpu
            )
        },
    )
}

fn perf_triplet(p: Option<Perf>) -> (String, String, String) {
    p.map_or_else(
        || (DASH.into(), DASH.into(), DASH.into()),
        |p| {
            (
                rate(p.rate),
                format!("{} / {}", lat(p.p50), lat(p.p99)),
                format!("{:.0} %", p.server_cpu),
            )
        },
    )
}

fn get_table(o: &mut String, r: &Results) {
    let mut rows: Vec<(String, &Cell)> = r
        .get
        .iter()
        .map(|(c, cell)| (format!("GET c{c}"), cell))
        .collect();
    if r.pipeline.iter().any(|v| !v.is_empty()) {
        rows.push((
            format!("pipelined {PIPELINE_CONNS}×{PIPELINE_DEPTH}"),
            &r.pipeline,
        ));
    }
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(
        o,
        "### GET VAR (request/response, then pipelined)\n\n\
         Rates, latencies and CPU are medians over the repetitions; the ratios are the median of \
         each repetition's ratio (its real, ours and ceiling runs back to back).\n\n\
         | test | real req/s | ours req/s | ceiling req/s | ours/real | ours/ceiling | real p50 / p99 | ours p50 / p99 | ceiling p50 / p99 | server CPU real / ours / ceiling | server CPU per request real / ours / ceiling | loader CPU (ours run) |\n\
         | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
    );
    for (name, cell) in rows {
        let [real, ours, ceiling] = medians(cell);
        let (to_real, to_ceiling) = cell_ratios(cell);
        let (rr, rl, rc) = perf_triplet(real);
        let (or, ol, oc) = perf_triplet(ours);
        let (cr, cl, cc) = perf_triplet(ceiling);
        let per = |p: Option<Perf>| {
            p.map_or_else(
                || DASH.to_owned(),
                |p| format!("{:.2}", p.server_us_per_request),
            )
        };
        let _ = writeln!(
            o,
            "| {name} | {rr} | {or} | {cr} | {} | {} | {rl} | {ol} | {cl} | {rc} / {oc} / {cc} | {} / {} / {} µs | {} |",
            to_real.map_or_else(|| DASH.to_owned(), times),
            to_ceiling.map_or_else(|| DASH.to_owned(), |x| format!("{:.0} %", 100.0 * x)),
            per(real),
            per(ours),
            per(ceiling),
            ours.map_or_else(|| DASH.to_owned(), |p| format!("{:.0} %", p.client_cpu)),
        );
    }
    o.push('\n');
}

fn list_table(o: &mut String, r: &Results) {
    if r.list.is_empty() {
        return;
    }
    let _ = writeln!(
        o,
        "### LIST VAR (whole list per request)\n\n\
         | UPS | conns | lines per list (real / ours) | real req/s | ours req/s | ours/real | real p50 / p99 | ours p50 / p99 | server CPU real / ours |\n\
         | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
    );
    for (ups, conns, cell) in &r.list {
        let [real, ours, _] = medians(cell);
        let lines = |p: Option<Perf>| {
            p.map_or_else(
                || DASH.to_owned(),
                |p| format!("{:.0}", p.lines_per_request),
            )
        };
        let (rr, rl, rc) = perf_triplet(real);
        let (or, ol, oc) = perf_triplet(ours);
        let _ = writeln!(
            o,
            "| {ups} | {conns} | {} / {} | {rr} | {or} | {} | {rl} | {ol} | {rc} / {oc} |",
            lines(real),
            lines(ours),
            ratio(ours.map_or(0.0, |p| p.rate), real.map_or(0.0, |p| p.rate)),
        );
    }
    o.push('\n');
}

fn churn_table(o: &mut String, r: &Results) {
    if r.churn.is_empty() {
        return;
    }
    let _ = writeln!(
        o,
        "### Connection churn (connect, `VER`, close; the client closes first)\n\n\
         | workers | real conn/s | ours conn/s | ceiling conn/s | ours/real | real p50 / p99 | ours p50 / p99 | server CPU real / ours / ceiling |\n\
         | --- | --- | --- | --- | --- | --- | --- | --- |"
    );
    for (workers, cell) in &r.churn {
        let [real, ours, ceiling] = medians(cell);
        let (rr, rl, rc) = perf_triplet(real);
        let (or, ol, oc) = perf_triplet(ours);
        let (cr, _, cc) = perf_triplet(ceiling);
        let _ = writeln!(
            o,
            "| {workers} | {rr} | {or} | {cr} | {} | {rl} | {ol} | {rc} / {oc} / {cc} |",
            ratio(ours.map_or(0.0, |p| p.rate), real.map_or(0.0, |p| p.rate)),
        );
    }
    o.push('\n');
}

fn crowd_table(o: &mut String, r: &Results) {
    let (Some(real), Some(ours)) = (r.crowd.first(), r.crowd.get(1)) else {
        return;
    };
    let _ = writeln!(
        o,
        "### {} idle clients (opened 16 at a time, MAXCONN 15000, 20000 fds)\n\n| | real | ours |\n| --- | --- | --- |",
        rate(count_f64(real.wanted as u64))
    );
    let row = |o: &mut String, name: &str, f: &dyn Fn(&crate::phases::Crowd) -> String| {
        let _ = writeln!(o, "| {name} | {} | {} |", f(real), f(ours));
    };
    row(o, "served and held", &|c| {
        format!("{} ({} not served)", c.held, c.not_served)
    });
    row(o, "time to open them", &|c| format!("{:.1} s", c.open_secs));
    row(o, "connect + first VER p50 / p99", &|c| {
        format!("{} / {}", lat(c.open_p50), lat(c.open_p99))
    });
    row(o, "upsd RSS before → with them", &|c| {
        format!("{} → {} kB", c.rss_before, c.rss_loaded)
    });
    row(o, "RSS per idle client", &|c| {
        format!(
            "{:.2} kB",
            count_f64(c.rss_loaded.saturating_sub(c.rss_before)) / count_f64(c.held.max(1) as u64)
        )
    });
    let get_text = |runs: &[(usize, Perf)], i: usize| {
        runs.get(i).map_or_else(
            || DASH.to_owned(),
            |(conns, p)| {
                format!(
                    "c{conns}: {} req/s, p50 {} p99 {}",
                    rate(p.rate),
                    lat(p.p50),
                    lat(p.p99)
                )
            },
        )
    };
    for i in 0..2 {
        row(
            o,
            &format!("GET just before opening them, #{}", i + 1),
            &|c| get_text(&c.get_without, i),
        );
        row(o, &format!("GET beside them, #{}", i + 1), &|c| {
            get_text(&c.get, i)
        });
    }
    row(o, "still answering afterwards", &|c| {
        format!("{} of {}", c.survivors, c.held)
    });
    o.push('\n');
}

fn refusal_table(o: &mut String, r: &Results) {
    if r.refuse_maxconn.is_empty() && r.refuse_nofile.is_empty() {
        return;
    }
    let _ = writeln!(
        o,
        "### Past the limits (clients opened 16 at a time, 1 s connect and reply timeouts, held 3 s)\n\n\
         | lab | server | tried | served | closed at once | left hanging (no answer / no connect) | time to try | upsd CPU while held |\n\
         | --- | --- | --- | --- | --- | --- | --- | --- |"
    );
    for (lab, list) in [
        (format!("MAXCONN {REFUSE_MAXCONN}"), &r.refuse_maxconn),
        (
            format!("nofile {REFUSE_NOFILE}, no MAXCONN"),
            &r.refuse_nofile,
        ),
    ] {
        for (x, who) in list.iter().zip(["real", "ours"]) {
            let _ = writeln!(
                o,
                "| {lab} | {who} | {} | {} | {} | {} / {} | {:.1} s | {:.0} % |",
                x.attempted,
                x.served,
                x.refused,
                x.unanswered,
                x.connect_failed,
                x.open_secs,
                x.hold_cpu
            );
        }
    }
    o.push('\n');
}

fn memory_table(o: &mut String, r: &Results) {
    let _ = writeln!(
        o,
        "### Memory (VmRSS)\n\n| what | real | ours | ours/real |\n| --- | --- | --- | --- |"
    );
    let row = |o: &mut String, name: &str, real: u64, ours: u64| {
        if real > 0 || ours > 0 {
            let _ = writeln!(
                o,
                "| {name} | {real} kB | {ours} kB | {} |",
                ratio(count_f64(ours), count_f64(real))
            );
        }
    };
    row(
        o,
        "upsd fresh, 2 UPS (15 + 200 lines)",
        r.fresh_rss[0],
        r.fresh_rss[1],
    );
    row(
        o,
        &format!("upsd with {IDLE_CLIENTS} idle clients"),
        r.idle_rss[0],
        r.idle_rss[1],
    );
    row(
        o,
        "dummy-ups, 15-line .dev",
        r.fresh_driver_rss[0],
        r.fresh_driver_rss[1],
    );
    let rss = |f: Flavor| {
        r.cold
            .iter()
            .find(|(x, _)| *x == f)
            .and_then(|(_, c)| c.rss_kb)
    };
    if let Some((ru, rd)) = rss(Flavor::Real) {
        if let Some((ou, od)) = rss(Flavor::Ours) {
            row(o, "1 UPS: upsd alone", ru, ou);
            row(o, "1 UPS: upsd + dummy-ups processes", ru + rd, ou + od);
        }
        if let Some((su, _)) = rss(Flavor::Stack) {
            row(
                o,
                "1 UPS: in-process stack (ours) vs upsd + dummy-ups (real)",
                ru + rd,
                su,
            );
        }
    }
    o.push('\n');
}

fn idle_table(o: &mut String, settings: &Settings, r: &Results) {
    if r.idle.is_empty() {
        return;
    }
    let _ = writeln!(
        o,
        "### Idle for {} s (CPU from schedstat and from utime+stime; wake-ups = voluntary context switches, all threads)\n\n\
         | process | CPU | utime+stime | wake-ups | involuntary | RSS |\n| --- | --- | --- | --- | --- | --- |",
        settings.idle_window.as_secs()
    );
    for p in &r.idle {
        let _ = writeln!(
            o,
            "| {} | {:.2} ms | {} ms | {} | {} | {} kB |",
            p.name,
            p.delta.cpu_ms,
            p.delta.ticks_ms,
            p.delta.voluntary,
            p.delta.involuntary,
            p.rss_kb
        );
    }
    o.push('\n');
}

fn median(v: &[f64]) -> Option<f64> {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied()
}

fn cold_table(o: &mut String, r: &Results) {
    if r.cold.is_empty() {
        return;
    }
    let _ = writeln!(
        o,
        "### Start-up (medians; the driver first, then upsd once the driver answers)\n\n\
         | flavor | driver exec → PONG on its socket | upsd exec → VER answered | upsd exec → data served |\n\
         | --- | --- | --- | --- |"
    );
    let ms = |v: &[f64]| median(v).map_or_else(|| DASH.to_owned(), |m| format!("{m:.1} ms"));
    for (flavor, c) in &r.cold {
        if let Some(why) = &c.failure {
            let _ = writeln!(
                o,
                "| {} | failed: {} | | |",
                flavor.label(),
                why.lines().next().unwrap_or("")
            );
            continue;
        }
        let driver = if *flavor == Flavor::Stack {
            "(inside upsd)".to_owned()
        } else {
            ms(&c.driver_ms)
        };
        let _ = writeln!(
            o,
            "| {} | {driver} | {} | {} |",
            flavor.label(),
            ms(&c.ver_ms),
            ms(&c.data_ms)
        );
    }
    o.push('\n');
}
