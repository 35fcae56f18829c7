// Files named on the command line replace the default spec (mocha would otherwise add them to it).
const named = process.argv.slice(2).some((a) => /\.(test\.)?ts$/.test(a) || a.includes('tests/'));
// The whole suite runs its files in two worker processes: every file makes its own databases (temporary folders or
// :memory:), so files never share one. MOCHA_SERIAL=1 runs them one after another in this process (e.g. to debug).
const parallel = !named && !process.env.MOCHA_SERIAL;

module.exports = {
  import: 'tsx',
  spec: named ? [] : ['tests/unit/**/*.test.ts', 'tests/integration/**/*.test.ts', 'tests/docs/**/*.test.ts'],
  reporter: './tests/support/summary-reporter.cjs',
  timeout: 120000,
  forbidOnly: Boolean(process.env.CI),
  ...(parallel ? { parallel: true, jobs: 2 } : {}),
};
