// Files named on the command line replace the default spec (mocha would otherwise add them to it).
const named = process.argv.slice(2).some((a) => /\.(test\.)?ts$/.test(a) || a.includes('tests/'));

module.exports = {
  import: 'tsx',
  spec: named ? [] : ['tests/unit/**/*.test.ts', 'tests/integration/**/*.test.ts', 'tests/docs/**/*.test.ts'],
  reporter: './tests/support/summary-reporter.cjs',
  timeout: 120000,
  forbidOnly: Boolean(process.env.CI),
};
