import { expect } from 'vitest';
import type { TestServer } from './server.js';

// Reads a server's /metrics (Prometheus text format) into samples a test can look up by name and labels.

export interface Scrape {
  text: string;
  /** The sample's value, or undefined when the server did not report it. */
  value(name: string, labels?: Record<string, string>): number | undefined;
  /** Every sample of a metric, as [labels, value]. */
  samples(name: string): Array<[Record<string, string>, number]>;
}

function parseLabels(text: string | undefined): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const match of (text ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[match[1]!] = match[2]!.replace(/\\(.)/g, '$1');
  return labels;
}

export function parseMetrics(text: string): Scrape {
  const rows: Array<{ name: string; labels: Record<string, string>; value: number }> = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not a Prometheus sample line: ${line}`);
    rows.push({ name: match[1]!, labels: parseLabels(match[2]), value: Number(match[3]) });
  }
  const same = (a: Record<string, string>, b: Record<string, string>) =>
    Object.keys(a).length === Object.keys(b).length && Object.entries(b).every(([k, v]) => a[k] === v);
  return {
    text,
    value: (name, labels = {}) => rows.find((r) => r.name === name && same(r.labels, labels))?.value,
    samples: (name) => rows.filter((r) => r.name === name).map((r) => [r.labels, r.value]),
  };
}

export async function scrapeMetrics(t: TestServer, headers: Record<string, string> = {}): Promise<Scrape> {
  const response = await fetch(new URL('/metrics', t.bapiUrl), { headers });
  const text = await response.text();
  expect(response.status, text.slice(0, 300)).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseMetrics(text);
}
