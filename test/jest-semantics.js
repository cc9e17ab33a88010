// What jest's own runner does for every test and jest-light-runner does not, given back
// from the circus events that define each test and hook (setupFiles of both suites):
//
// - a deadline. The runner calls each test and hook function as it is: one whose
//   promise never settles would hang the run (and CI) for ever. Here it fails after its
//   own timeout (test(name, fn, ms)) or jest's default of 5 s (jest's --testTimeout does
//   not reach this file), and, as in jest, the error points at where it was defined;
// - expect.assertions(n) and expect.hasAssertions(). The runner never checks them, so a
//   test relying on them could not fail; here they are checked when the test ends;
// - an error nobody catches (an un-awaited rejection, a throw in a timer) fails the test
//   or hook running when it surfaces. The runner alone lets it end the whole process,
//   losing every other result and the run's clean-up; outside any test or hook it still
//   does.
'use strict';
const { addEventHandler } = require('jest-circus');

const DEFAULT_TIMEOUT_MS = 5000;

/** Fails the test or hook now running (tests and hooks run one at a time), if any. */
let failRunning;

function onUncaught(error) {
  if (!failRunning) {
    process.off('uncaughtException', onUncaught);
    process.off('unhandledRejection', onUncaught);
    throw error;
  }
  failRunning(error);
}
process.on('uncaughtException', onUncaught);
process.on('unhandledRejection', onUncaught);

function withDeadline(fn, timeout, what, definedAt) {
  const ms = timeout ?? DEFAULT_TIMEOUT_MS;
  const run = fn.length > 0 ? () => new Promise((resolve, reject) => fn((error) => (error ? reject(error) : resolve()))) : fn;
  return function deadline() {
    let timer;
    const stopped = new Promise((_resolve, reject) => {
      failRunning = reject;
      timer = setTimeout(() => {
        const error = new Error(`Exceeded timeout of ${ms} ms for ${what}.`);
        // circus's asyncError was created where the test or hook was defined
        error.stack = `${String(error)}${definedAt.stack.slice(definedAt.stack.indexOf('\n'))}`;
        reject(error);
      }, ms);
    });
    return Promise.race([Promise.resolve().then(run), stopped]).finally(() => {
      clearTimeout(timer);
      failRunning = undefined;
    });
  };
}

function withExpectedAssertions(run) {
  return async function expectedAssertions() {
    // the runner's expect (a global by the time tests run): start the test's count afresh
    globalThis.expect.extractExpectedAssertionsErrors();
    await run();
    const [unmet] = globalThis.expect.extractExpectedAssertionsErrors();
    if (unmet) throw unmet.error;
  };
}

// circus's own handler has just added the test or hook to the describe block being
// defined: wrap its function before the runner sees it
addEventHandler((event, state) => {
  if (event.name === 'add_test') {
    const test = state.currentDescribeBlock.children.at(-1);
    if (test?.type === 'test') test.fn = withExpectedAssertions(withDeadline(test.fn, event.timeout, `the test "${event.testName}"`, event.asyncError));
  } else if (event.name === 'add_hook') {
    const hook = state.currentDescribeBlock.hooks.at(-1);
    if (hook) hook.fn = withDeadline(hook.fn, event.timeout, `a ${event.hookType} hook`, event.asyncError);
  }
});
