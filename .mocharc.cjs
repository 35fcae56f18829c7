module.exports = {
  import: 'tsx',
  spec: ['tests/unit/**/*.test.ts', 'tests/integration/**/*.test.ts'],
  reporter: './tests/support/summary-reporter.cjs',
  timeout: 120000,
  forbidOnly: Boolean(process.env.CI),
};
