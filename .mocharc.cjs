// Files named on the command line replace the default spec (mocha would otherwise add them to it).
const named = process.argv.slice(2).some((a) => /\.(test\.)?ts$/.test(a) || a.includes('tests/'));
// The whole suite runs its files in two worker processes: every file makes its own databases (temporary folders or
// :memory:), so files never share one. MOCHA_SERIAL=1 runs them one after another in this process (e.g. to debug).
const parallel = !named && !process.env.MOCHA_SERIAL;

module.exports = {
  import: 'tsx',
  // Longest files first (the docs test, one file that runs the demo and every document, takes minutes): the two
  // workers take files in this order, so the short unit files fill the end instead of the docs test starting last.
  spec: named ? [] : ['tests/docs/**/*.test.ts', 'tests/integration/**/*.test.ts', 'tests/unit/**/*.test.ts'],
  reporter: './tests/support/summary-reporter.cjs',
  timeout: 120000,
  forbidOnly: Boolean(process.env.CI),
  // Two workers on this 2-core machine: with three, the same 41 files took 23% more CPU time (1032 s against 838 s:
  // each worker's DuckDB threads and CLI children contend for the cores) and the run was slower (s24-tests, 2 Dec 2026).
  ...(parallel ? { parallel: true, jobs: 2 } : {}),
};
