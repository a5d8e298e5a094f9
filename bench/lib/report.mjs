// The run's table: printed to the terminal, and written into BENCHMARKS.md between its table markers.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const START = '<!-- bench:table:start -->';
const END = '<!-- bench:table:end -->';

const fixed = (value, digits) => (value === null || value === undefined || Number.isNaN(value) ? '-' : value.toFixed(digits));

function statusNote(row) {
  if (row.non2xx === 0) return '';
  return Object.entries(row.statuses).filter(([s]) => !s.startsWith('2')).map(([s, n]) => `${n}×${s}`).join(' ');
}

export function markdownTable(report) {
  const lines = [
    `Run ${report.generatedAt} — ${report.settings.instanceType} mode, ${report.settings.database}, ` +
      `${report.settings.connections} connections × ${report.settings.durationSeconds} s per row, ${report.machine.cpus} CPUs (${report.machine.cpuModel}), Node ${report.machine.node}. ` +
      (report.settings.postgres ? `Rows marked pg×1 and pg×2: PostgreSQL ${report.settings.postgres.version} (a schema of their own each) with the rate limiter on Redis, one instance and two instances sharing them, ` +
        'the load split over the instances; their server CPU is summed over the instances (PostgreSQL\'s and Redis\'s own CPU is not counted). ' : '') +
      `Load average (1 min) during the run: ${report.machine.conditions.map((c) => c.loadavg1).join(', ')}.`,
    '',
    '| operation | stored numbers | database | req/s | p50 ms | p99 ms | ratio to bare Fastify | server CPU µs/req | CPU ratio | requests | non-2xx |',
    '|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|',
    ...report.rows.map((r) => `| ${r.operation} | ${r.data} | ${r.database} | ${fixed(r.reqPerSec, 0)} | ${fixed(r.p50, 1)} | ${fixed(r.p99, 1)} | ${fixed(r.ratioToBare, 2)} | ${fixed(r.cpuMicros, 0)} | ${fixed(r.cpuRatioToBare, 2)} | ${r.requests} | ${r.non2xx}${statusNote(r) ? ` (${statusNote(r)})` : ''} |`),
    '',
    `prepare + attempt pairs: ${fixed(report.pairs.oursPerSec, 0)}/s ours, ${fixed(report.pairs.peerPerSec, 0)}/s Better Auth: ratio ${fixed(report.pairs.ratio, 2)}.`,
    `p99 growth 1k → ${report.settings.largeCount.toLocaleString('en')} numbers: getPhoneNumbers ×${fixed(report.growth.getPhoneNumbers, 2)}, ReadPhoneNumber ×${fixed(report.growth.ReadPhoneNumber, 2)}.`,
    `Peak RSS: our server ${fixed(report.peakRssMiB.server, 1)} MiB (${fixed((report.peakRssMiB.server * 2 ** 20) / 1e6, 1)} MB), ` +
      `Better Auth ${fixed(report.peakRssMiB.peer, 1)} MiB (${fixed((report.peakRssMiB.peer * 2 ** 20) / 1e6, 1)} MB).`,
    '',
    '| target | wanted | measured | met |',
    '|---|---:|---:|---|',
    ...report.targets.map((t) => `| ${t.name} | ${t.target} | ${fixed(t.value, 2)} | ${t.met ? 'yes' : '**no**'} |`),
  ];
  return lines.join('\n');
}

export function printTable(report, log) {
  log('');
  log(markdownTable(report));
}

/** Replaces the table between the markers; leaves everything else in BENCHMARKS.md as it is. */
export function refreshBenchmarksMd(file, table) {
  if (!existsSync(file)) return;
  const text = readFileSync(file, 'utf8');
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  if (start === -1 || end === -1 || end < start) return;
  writeFileSync(file, `${text.slice(0, start + START.length)}\n${table}\n${text.slice(end)}`);
}
