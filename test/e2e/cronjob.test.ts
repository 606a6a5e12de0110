// CronJob with real kubectl: `kubectl create cronjob`, its table, `kubectl create job --from=cronjob/…`,
// refused schedules and zones with upstream's messages, and a schedule that fires: a Job named
// `<cronjob>-<minutes since the epoch>` appears, owned by the CronJob, and status and events say so.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { describeWithKubectls, expectError, expectMatch, expectOk } from './harness.js';

describeWithKubectls('CronJob', { nsPrefix: 'cron', timeout: 180_000 }, (t) => {
  const { kc, ns, index } = t;

  it('kubectl create cronjob, get with its columns, create job --from=cronjob', async () => {
    assert.equal(expectOk(await kc(['create', 'cronjob', 'nightly', '--image=busybox', "--schedule=0 3 * * *", '-n', ns])).trim(), 'cronjob.batch/nightly created');
    expectMatch(expectOk(await kc(['get', 'cronjobs', '-n', ns])), /^NAME\s+SCHEDULE\s+TIMEZONE\s+SUSPEND\s+ACTIVE\s+LAST SCHEDULE\s+AGE\nnightly\s+0 3 \* \* \*\s+<none>\s+False\s+0\s+<none>\s+\d+s$/m);
    expectMatch(expectOk(await kc(['get', 'cj', 'nightly', '-o', 'wide', '-n', ns])), /CONTAINERS\s+IMAGES\s+SELECTOR\nnightly\s+.*\s+nightly\s+busybox\s+<none>$/m);
    const spec = expectOk(await kc(['get', 'cj', 'nightly', '-n', ns, '-o', 'jsonpath={.spec.concurrencyPolicy}/{.spec.successfulJobsHistoryLimit}/{.spec.failedJobsHistoryLimit}/{.spec.suspend}']));
    assert.equal(spec, 'Allow/3/1/false');
    assert.equal(expectOk(await kc(['create', 'job', '--from=cronjob/nightly', 'now', '-n', ns])).trim(), 'job.batch/now created');
    const owner = expectOk(await kc(['get', 'job', 'now', '-n', ns, '-o', 'jsonpath={.metadata.ownerReferences[0].kind}/{.metadata.ownerReferences[0].name}/{.metadata.annotations.cronjob\\.kubernetes\\.io/instantiate}']));
    assert.equal(owner, 'CronJob/nightly/manual');
  });

  it('refuses TZ= in the schedule, a bad schedule and an unknown time zone', async () => {
    expectError(await kc(['create', 'cronjob', 'bad', '--image=busybox', '--schedule=CRON_TZ=UTC 0 3 * * *', '-n', ns]),
      /spec\.schedule: Invalid value: "CRON_TZ=UTC 0 3 \* \* \*": cannot use TZ or CRON_TZ in schedule, use timeZone field instead/);
    expectError(await kc(['create', 'cronjob', 'bad', '--image=busybox', '--schedule=61 * * * *', '-n', ns]),
      /spec\.schedule: Invalid value: "61 \* \* \* \*": end of range \(61\) above maximum \(59\): 61/);
    const file = t.server.writeFile(`tz-${index}.yaml`, `apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: tz, namespace: ${ns}}\nspec:\n  schedule: "0 3 * * *"\n  timeZone: Mars/Olympus\n` +
      '  jobTemplate: {spec: {template: {spec: {restartPolicy: Never, containers: [{name: c, image: busybox}]}}}}\n');
    expectError(await kc(['apply', '-f', file]), /spec\.timeZone: Invalid value: "Mars\/Olympus": unknown time zone Mars\/Olympus/);
    const zoned = t.server.writeFile(`tz-ok-${index}.yaml`, `apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: tz, namespace: ${ns}}\nspec:\n  schedule: "0 3 * * *"\n  timeZone: Europe/Berlin\n` +
      '  jobTemplate: {spec: {template: {spec: {restartPolicy: Never, containers: [{name: c, image: busybox}]}}}}\n');
    expectOk(await kc(['apply', '-f', zoned]));
    expectMatch(expectOk(await kc(['get', 'cj', 'tz', '-n', ns])), /^tz\s+0 3 \* \* \*\s+Europe\/Berlin\s+False\s+0\s+<none>/m);
  });

  it('an every-minute schedule creates its Job at the minute, listed as active', async () => {
    expectOk(await kc(['create', 'cronjob', 'every', '--image=busybox', '--schedule=* * * * *', '-n', ns]));
    const deadline = Date.now() + 75_000;
    let jobs = '';
    while (Date.now() < deadline) {
      jobs = expectOk(await kc(['get', 'jobs', '-n', ns, '-l', '', '-o', 'jsonpath={range .items[*]}{.metadata.name} {.metadata.ownerReferences[0].name}{"\\n"}{end}']));
      if (/^every-\d+ every$/m.test(jobs)) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    const m = /^every-(\d+) every$/m.exec(jobs);
    assert.ok(m, `a Job every-<minutes> appeared; jobs:\n${jobs}`);
    const minutes = Number(m[1]);
    assert.ok(Math.abs(minutes * 60_000 - Date.now()) < 120_000, 'named for a scheduled minute near now');
    const annotation = expectOk(await kc(['get', 'job', `every-${minutes}`, '-n', ns, '-o', 'jsonpath={.metadata.annotations.batch\\.kubernetes\\.io/cronjob-scheduled-timestamp}']));
    assert.equal(Date.parse(annotation), minutes * 60_000);
    let status = '';
    for (let i = 0; i < 20; i++) {
      status = expectOk(await kc(['get', 'cj', 'every', '-n', ns, '-o', 'jsonpath={.status.active[0].name}|{.status.lastScheduleTime}']));
      if (status.startsWith('every-')) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    assert.equal(status, `every-${minutes}|${new Date(minutes * 60_000).toISOString().replace('.000Z', 'Z')}`);
    const events = expectOk(await kc(['get', 'events', '-n', ns, '--field-selector', 'involvedObject.name=every', '-o', 'jsonpath={range .items[*]}{.reason}:{.message}{"\\n"}{end}']));
    assert.match(events, new RegExp(`^SuccessfulCreate:Created job every-${minutes}$`, 'm'));
    expectOk(await kc(['patch', 'cj', 'every', '-n', ns, '--type=merge', '-p', '{"spec":{"suspend":true}}']));
    expectMatch(expectOk(await kc(['get', 'cj', 'every', '-n', ns])), /^every\s+\* \* \* \* \*\s+<none>\s+True\s+1\s+\d+s/m);
  });
});
