// node:test reporter that only counts: leaf tests passed, failed and skipped, plus whole files that
// failed outside any test (a crash at load time or a file timeout). It writes one JSON line when
// the run ends; scripts/test.mjs reads it and prints the summary as the last line of the output.
export default async function* countReporter(source) {
  const counts = { passed: 0, failed: 0, skipped: 0, failures: [] };
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const { data } = event;
    // Suites only aggregate their children; their own result would count a failure twice.
    if (data.details?.type === 'suite') continue;
    if (data.details?.error?.failureType === 'subtestsFailed') continue;
    if (data.skip || data.todo) counts.skipped++;
    else if (event.type === 'test:pass') counts.passed++;
    else {
      counts.failed++;
      counts.failures.push(`${data.file ?? '?'}: ${data.name}`);
    }
  }
  yield `${JSON.stringify(counts)}\n`;
}
