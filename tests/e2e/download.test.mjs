// Pure-Node tests of the CSV writer behind the page's exports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toCSV } from '../../www/download.js';

test('CSV: numbers as written, text quoted when needed, CRLF rows', () => {
  assert.equal(toCSV([['model', 'acc'], ['distilled', 0.9731], ['x', NaN]]), 'model,acc\r\ndistilled,0.9731\r\nx,\r\n');
  assert.equal(toCSV([['a,b', 'say "hi"', 'two\nlines']]), '"a,b","say ""hi""","two\nlines"\r\n');
});

test('CSV: text that a spreadsheet would run as a formula is defused', () => {
  assert.equal(toCSV([['=HYPERLINK("x")', '+1', '-2', '@SUM(A1)']]), `"'=HYPERLINK(""x"")",'+1,'-2,'@SUM(A1)\r\n`);
  assert.equal(toCSV([[-2, null, undefined]]), '-2,,\r\n', 'real numbers stay numbers');
});
