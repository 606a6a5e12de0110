import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatCpu, formatMemory, formatWindow } from './quantity.js';

test('CPU from nanocores in the largest exact unit, as metrics-server writes it', () => {
  assert.equal(formatCpu(0), '0');
  assert.equal(formatCpu(250_000_000), '250m');
  assert.equal(formatCpu(2e9), '2');
  assert.equal(formatCpu(1_500_000), '1500u');
  assert.equal(formatCpu(1_562_127), '1562127n');
  assert.equal(formatCpu(1_562_127.4), '1562127n');
  assert.equal(formatCpu(-5), '0');
});

test('memory from bytes in binary units: pages come out as Ki', () => {
  assert.equal(formatMemory(0), '0');
  assert.equal(formatMemory(1536 * 1024 * 1024), '1536Mi');
  assert.equal(formatMemory(10_485_760 + 4096), '10244Ki');
  assert.equal(formatMemory(2 ** 30), '1Gi');
  assert.equal(formatMemory(1000), '1000');
});

test('the window as a Go duration', () => {
  assert.equal(formatWindow(10_500), '10.5s');
  assert.equal(formatWindow(10_000), '10s');
  assert.equal(formatWindow(7_885), '7.885s');
  assert.equal(formatWindow(90_000), '1m30s');
  assert.equal(formatWindow(250), '250ms');
  assert.equal(formatWindow(0), '0s');
});
