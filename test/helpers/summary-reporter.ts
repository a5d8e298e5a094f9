import type { Reporter, TestModule } from 'vitest/node';

// After vitest's own summary: a notice for each whole check that did not run (the PostgreSQL half,
// Clerk's contract checks) and one plain closing line, `Tests: N passed, N failed, N skipped`, that
// any CI can read without knowing vitest; it names the checks that did not run, so no skip is silent.

/** A whole check the run could not do: a short name for the closing line and the notice saying why. */
export interface SkippedCheck {
  name: string;
  notice: string;
}

export class ClosingLineReporter implements Reporter {
  constructor(private readonly skippedChecks: SkippedCheck[]) {}

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
    for (const check of this.skippedChecks) process.stdout.write(`\n${check.notice}\n`);
    const notRun = this.skippedChecks.length > 0 ? `; NOT RUN: ${this.skippedChecks.map((c) => c.name).join(', ')}` : '';
    process.stdout.write(`\nTests: ${passed} passed, ${failed} failed, ${skipped} skipped${notRun}\n`);
  }
}
