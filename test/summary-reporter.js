// Ends a jest run with one plain line, "N passed, M failed, K skipped", that CI tooling
// reads whatever the test runner. Jest fails a run for more than its failed tests: a
// test file that did not run (it failed to load, threw outside any test, or holds no
// test) and an error outside every test file (the runner's) fail it too, with no test
// counted as failed. So M counts those as well, and the line goes on to say what they
// were, e.g. "1 passed, 2 failed, 0 skipped, 2 suites failed to run": a run that fails
// never ends with "0 failed".
'use strict';

class SummaryReporter {
  /** @param {import('@jest/test-result').AggregatedResult} results */
  onRunComplete(_contexts, results) {
    // jest counts here every test file it reported with a testExecError instead of test results
    const suitesNotRun = results.numRuntimeErrorTestSuites;
    const runError = results.runExecError;
    const failed = results.numFailedTests + suitesNotRun + (runError ? 1 : 0);
    const parts = [`${results.numPassedTests} passed`, `${failed} failed`, `${results.numPendingTests} skipped`];
    if (suitesNotRun > 0) {
      parts.push(`${suitesNotRun} ${suitesNotRun === 1 ? 'suite' : 'suites'} failed to run`);
    }
    if (runError) {
      parts.push(`the run failed outside any test file: ${runError.message.split('\n')[0]}`);
    }
    console.log(parts.join(', '));
  }
}

module.exports = SummaryReporter;
