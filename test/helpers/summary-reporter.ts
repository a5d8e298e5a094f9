import type { Reporter, TestModule } from 'vitest/node';

// After vitest's own summary: the PostgreSQL-skipped notice (when it applies) and one plain closing
// line, `Tests: N passed, N failed, N skipped`, that any CI can read without knowing vitest.

export class ClosingLineReporter implements Reporter {
  constructor(private readonly notice: string | null) {}

  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    let passed = 0;
    let failed = unhandledErrors.length;
    let skipped = 0;
    for (const module of testModules) {
      let failedHere = 0;
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failedHere++;
        else skipped++;
      }
      // A file that failed before its tests ran (an import or hook error) counts as one failure.
      failed += failedHere || (module.state() === 'failed' ? 1 : 0);
    }
    if (this.notice) process.stdout.write(`\n${this.notice}\n`);
    process.stdout.write(`\nTests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
