// The whole suite by default; `npx mocha dist/test/x.test.js` runs only the files named (mocha would
// otherwise add the default spec to them and run everything).
const named = process.argv.slice(2).some((a) => /\.test\.js$/.test(a));
module.exports = {
  ...(named
    ? {}
    : {
        spec: [
          'dist/test/unit/**/*.test.js',
          'dist/test/integration/**/*.test.js',
          'dist/test/workflow/**/*.test.js',
        ],
      }),
  require: ['dist/test/support/hooks.js'],
  reporter: 'test/support/reporter.js',
  timeout: 600000,
  slow: 30000,
};
