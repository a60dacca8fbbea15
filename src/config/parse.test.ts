import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfigText } from '../agent/config-loader.js';
import { parseDurationMs } from './duration.js';
import { configProblems } from '../testing/config-problems.js';

const good = `
engine: {kind: sim}
capacity: 9
interval: 500ms
services:
  - name: orders
    priority: 1
    max: 9
    metric: {source: random, max: 9}
    target: direct
  - name: reports
    priority: 2
    target: remainder
`;

function problemsOf(text: string, env: NodeJS.ProcessEnv = {}): string[] {
  return configProblems(() => parseConfigText(text, env));
}

describe('config parsing', () => {
  it('parses a valid config with its defaults', () => {
    const config = parseConfigText(good, {});
    assert.equal(config.capacity, 9);
    assert.equal(config.intervalMs, 500);
    assert.equal(config.services[0]?.priority, 1);
    assert.deepEqual(config.services[1]?.target, { kind: 'remainder' });
    assert.equal(config.services[1]?.max, 9, 'max defaults to the pool');
    assert.equal(config.services[0]?.stopGracePeriodMs, 10_000);
    assert.deepEqual(config.services[0]?.onMetricError, { kind: 'hold' });
    assert.equal(config.api.listen, '127.0.0.1:8321', 'the API binds loopback by default');
  });

  it('takes a metric on a remainder service (its queue, read to know whether it has work)', () => {
    const config = parseConfigText(good.replace('target: remainder', 'target: remainder\n    metric: {source: push}'), {});
    assert.deepEqual(config.services[1]?.target, { kind: 'remainder' });
    assert.equal(config.services[1]?.metric?.source, 'push');
  });

  it('reports every problem at once, each with its YAML path, the value and what is expected', () => {
    const problems = problemsOf(`
capacity: nine
interval: fast
services:
  - name: orders
    priority: high
    target: {queueLength: -5}
    metric: {source: random}
  - name: Reports!
    target: sometimes
`);
    assert.ok(
      problems.includes('capacity: expected an integer >= 1 (containers), resources like {cpu: "8", memory: 16Gi}, or auto, got "nine"'),
      problems.join('\n'),
    );
    assert.ok(problems.includes('interval: expected a duration like 500ms, 3s or 2m, got "fast"'), problems.join('\n'));
    assert.ok(problems.includes('services[0].priority: expected an integer >= 1, got "high"'), problems.join('\n'));
    assert.ok(problems.includes('services[0].target.queueLength: expected a number > 0, got -5'), problems.join('\n'));
    assert.ok(
      problems.some((p) => p.startsWith('services[1].name: expected a name of lowercase letters')),
      problems.join('\n'),
    );
    assert.ok(
      problems.some((p) => p.startsWith('services[1].target: expected remainder, direct')),
      problems.join('\n'),
    );
  });

  it('names the service path for bad service fields', () => {
    const problems = problemsOf(`
capacity: 9
services:
  - name: orders
    priority: 1
    target: direct
    metric: {source: random}
  - name: reports
    priority: high
    target: sometimes
`);
    assert.ok(problems.includes('services[1].priority: expected an integer >= 1, got "high"'), problems.join('\n'));
    assert.ok(
      problems.some((p) =>
        p.startsWith(
          'services[1].target: expected remainder, direct, {queueLength: N}, ' +
            '{perContainer: N}, {sla: {queueLength: N}} or {sla: {wait: DURATION}}',
        ),
      ),
      problems.join('\n'),
    );
  });

  it('treats unknown keys as errors and suggests the key meant', () => {
    const problems = problemsOf(good.replace('priority: 2', 'prioirty: 2').replace('capacity: 9', 'capacity: 9\nintervall: 1s'));
    assert.ok(problems.includes('intervall: unknown key; did you mean "interval"?'), problems.join('\n'));
    assert.ok(problems.includes('services[1].prioirty: unknown key; did you mean "priority"?'), problems.join('\n'));
  });

  it('points a simulator scenario given to the agent at microscale simulate', () => {
    const problems = problemsOf(good.replace('priority: 2', 'priority: 2\n    simulation: {ratePerContainer: 10}'));
    assert.ok(
      problems.some(
        (p) =>
          p.startsWith('services[1].simulation: unknown key; this is a simulator scenario') && p.includes('microscale simulate -c FILE'),
      ),
      problems.join('\n'),
    );
  });

  it('checks the metric block against its source kind', () => {
    const problems = problemsOf(
      good
        .replace('{source: random, max: 9}', '{source: random, mx: 9}')
        .replace('target: remainder', 'target: remainder\n    metric: {source: nosuch}'),
    );
    assert.ok(
      problems.some((p) => p.startsWith('services[0].metric.mx: unknown key')),
      problems.join('\n'),
    );
    assert.ok(
      problems.some((p) => p.startsWith('services[1].metric.source: expected one of random')),
      problems.join('\n'),
    );
  });

  it('takes an arrivals block of any source kind on a queueLength service with a ratePerContainer', () => {
    const config = parseConfigText(
      `
capacity: 9
services:
  - name: orders
    metric: {source: push}
    target: {queueLength: 50}
    controller: {ratePerContainer: 10, scaleDownDelay: 45s}
    arrivals: {source: prometheus, query: 'sum(rate(orders_published_total[15s]))'}
  - name: invoices
    metric: {source: push}
    target: {queueLength: 20}
    controller: {ratePerContainer: 5}
    arrivals: {source: http, url: 'http://rabbit:15672/api/queues/%2F/invoices', path: message_stats.publish_details.rate}
  - name: reports
    metric: {source: push}
    target: {queueLength: 20}
`,
      {},
    );
    const [orders, invoices, reports] = config.services;
    assert.equal(orders?.arrivals?.source, 'prometheus');
    assert.equal(orders.arrivals.query, 'sum(rate(orders_published_total[15s]))');
    assert.equal(orders.pid.scaleDownDelayMs, 45_000);
    assert.equal(invoices?.arrivals?.source, 'http');
    assert.equal(invoices.arrivals.path, 'message_stats.publish_details.rate');
    assert.equal(reports?.arrivals, undefined, 'arrivals are optional');
  });

  it('refuses arrivals off a queueLength target, or without ratePerContainer, saying how to fix it', () => {
    const problems = problemsOf(`
capacity: 9
services:
  - {name: a, target: direct, metric: {source: push}, arrivals: {source: push}}
  - {name: b, target: {perContainer: 5}, metric: {source: push}, arrivals: {source: push}, controller: {ratePerContainer: 10}}
  - {name: c, target: remainder, arrivals: {source: push}}
  - {name: d, target: {queueLength: 50}, metric: {source: push}, arrivals: {source: push}}
  - {name: e, target: {queueLength: 50}, metric: {source: push}, arrivals: {source: prometheus}, controller: {ratePerContainer: 10}}
  - {name: f, target: {queueLength: 50}, metric: {source: push}, arrivals: {source: kafka}, controller: {ratePerContainer: 10}}
`);
    const offQueue = (i: number, target: string) =>
      `services[${i}].arrivals: only a service with target {queueLength: N} or {sla: ` +
      `...} takes arrivals (they are feed-forward for the queue controller), ` +
      `got target ${target}; remove arrivals, or use target: {queueLength: N}`;
    assert.ok(problems.includes(offQueue(0, '"direct"')), problems.join('\n'));
    assert.ok(problems.includes(offQueue(1, '{"perContainer":5}')), problems.join('\n'));
    assert.ok(problems.includes(offQueue(2, '"remainder"')), problems.join('\n'));
    assert.ok(
      problems.includes(
        'services[3].controller.ratePerContainer: is required with arrivals: ' +
          'without it the controller cannot turn messages/s into containers; ' +
          'add controller: {ratePerContainer: N} (the messages/s one container handles), or remove arrivals',
      ),
      problems.join('\n'),
    );
    assert.ok(
      problems.includes('services[4].arrivals.query: is required (a PromQL query, e.g. sum(queue_depth{queue="jobs"}))'),
      problems.join('\n'),
    );
    assert.ok(
      problems.some((p) => p.startsWith('services[5].arrivals.source: expected one of random,') && p.endsWith('got "kafka"')),
      problems.join('\n'),
    );
  });

  it('takes arrivals: {counter: true} on a source with a counter of messages added, and says how to fix it elsewhere', () => {
    const config = parseConfigText(
      `
capacity: 9
services:
  - {name: a, target: {sla: {queueLength: 500}}, metric: {source: push}, arrivals: {source: redis, stream: orders, counter: true}}
  - {name: b, target: {sla: {queueLength: 500}}, metric: {source: push}, arrivals: {source: http, url: 'http://producer:9000/stats', path: published_total, counter: true}}
  - {name: c, target: {sla: {queueLength: 500}}, metric: {source: push}, arrivals: {source: http, url: 'http://r/x', path: rate, counter: false}}
  - {name: d, target: {sla: {queueLength: 500}}, metric: {source: push}, arrivals: {source: nats, stream: ORDERS, counter: true}}
`,
      {},
    );
    const [a, b, c, d] = config.services;
    assert.deepEqual(d?.arrivals, { source: 'nats', url: 'nats://127.0.0.1:4222', stream: 'ORDERS', counter: true });
    assert.deepEqual(a?.arrivals, {
      source: 'redis',
      url: 'redis://127.0.0.1:6379',
      target: { kind: 'added', stream: 'orders' },
      watch: false,
      configureKeyspaceEvents: false,
      counter: true,
    });
    assert.equal(b?.arrivals?.counter, true);
    assert.equal(c?.arrivals?.counter, undefined, 'counter: false is a rate as before');

    const problems = problemsOf(`
capacity: 9
services:
  - {name: a, target: {sla: {queueLength: 500}}, metric: {source: push}, arrivals: {source: rabbitmq, url: 'amqp://r', queue: q, counter: true}}
  - {name: b, target: {sla: {queueLength: 500}}, metric: {source: push}, arrivals: {source: redis, key: jobs, counter: true}}
  - {name: c, target: {sla: {queueLength: 500}}, metric: {source: push}, arrivals: {source: redis, stream: s, counter: 'yes'}}
  - {name: d, target: {sla: {queueLength: 500}}, metric: {source: redis, stream: s, group: g, counter: true}, arrivals: {source: push}}
  - {name: e, target: {sla: {queueLength: 500}}, metric: {source: push}, arrivals: {source: redis, stream: s, group: g, counter: true}}
  - {name: f, target: {sla: {queueLength: 500}}, metric: {source: push}, arrivals: {source: nats, stream: S, consumer: workers, counter: true}}
`);
    const expected = [
      'services[0].arrivals.counter: source rabbitmq has no counter of messages added, got counter: true; use a source that has one: ',
      'services[1].arrivals.key: a list has no counter of entries added (LLEN is only its length now); use stream: with counter: true, or remove counter, got "jobs"',
      'services[2].arrivals.counter: expected true or false, got "yes"',
      'services[3].metric.counter: only applies to arrivals: (a counter of messages added, turned into messages/s), got true; remove counter from metric:',
      'services[4].arrivals.group: does not apply with counter: true (every entry added to the stream counts); remove group, got "g"',
      'services[5].arrivals.consumer: does not apply with counter: true (the stream\'s last sequence counts every message added); remove consumer, got "workers"',
    ];
    for (const line of expected)
      assert.ok(
        problems.some((p) => p.startsWith(line)),
        `${line}\n---\n${problems.join('\n')}`,
      );
    assert.ok(
      problems[0]?.includes('redis (a stream') && problems[0].endsWith('or remove counter and give a rate in messages/s'),
      problems[0],
    );
    assert.equal(problems.length, expected.length, problems.join('\n'));
  });

  it('refuses an unknown engine kind with the list of known ones', () => {
    const problems = problemsOf(good.replace('kind: sim', 'kind: mesos'));
    assert.ok(problems[0]?.startsWith('engine.kind: expected one of sim'), problems.join('\n'));
  });

  it('checks across fields: min <= max, unique names, mins within the pool, metric needed', () => {
    const problems = problemsOf(`
capacity: 3
services:
  - {name: a, min: 2, max: 1, target: direct, metric: {source: random}}
  - {name: a, min: 2, target: remainder}
  - {name: b, target: {queueLength: 50}}
`);
    assert.ok(problems.includes('services[0].min: expected min <= max (1), got 2'), problems.join('\n'));
    assert.ok(
      problems.some((p) => p.startsWith('services[2].metric: is required')),
      problems.join('\n'),
    );
  });

  it('refuses duplicate names and mins that overcommit the pool', () => {
    const problems = problemsOf(`
capacity: 3
services:
  - {name: a, min: 2, target: direct, metric: {source: random}}
  - {name: a, min: 2, target: remainder}
`);
    assert.ok(
      problems.some((p) => p.startsWith('services[1].name: "a" is already used by services[0]')),
      problems.join('\n'),
    );
    assert.ok(
      problems.some((p) => p.startsWith("capacity: the services' mins add up to 4")),
      problems.join('\n'),
    );
  });

  it('substitutes ${ENV} references and reports the ones that are not set', () => {
    const text = good.replace('capacity: 9', 'capacity: 9\nlogLevel: ${LEVEL}').replace('name: reports', 'name: ${SECOND:-reports}');
    const config = parseConfigText(text, { LEVEL: 'warn' });
    assert.equal(config.logLevel, 'warn');
    assert.equal(config.services[1]?.name, 'reports');
    const problems = problemsOf(text, {});
    assert.ok(
      problems.includes('logLevel: environment variable LEVEL is not set; export it or give a default as ${LEVEL:-value}'),
      problems.join('\n'),
    );
  });

  it('reports YAML syntax errors with their position', () => {
    const problems = problemsOf('capacity: [9\nservices: {');
    assert.ok(problems[0]?.startsWith('YAML syntax:'), problems.join('\n'));
  });

  it("says a bare ${VAR} inside { } must be quoted, once a line, instead of the parser's flow-map tokens", () => {
    const text =
      'capacity: 9\nservices:\n  - name: a\n    target: {queueLength: 10}\n' +
      '    metric: {source: http, url: "http://127.0.0.1:9/", path: n, auth: {bearer: ${TOKEN}}}   # {x}\n' +
      '    onMetricError: {fallback: 2}\n';
    const problems = problemsOf(text, { TOKEN: 'secret-value' });
    assert.deepEqual(problems, ["YAML syntax: ${TOKEN} inside { } must be quoted (YAML reads its braces as a map); write '${TOKEN}'"]);
    const quoted = text.replace('${TOKEN}', "'${TOKEN}'");
    assert.equal(parseConfigText(quoted, { TOKEN: 'secret-value' }).services[0]?.name, 'a');
  });
});

describe('durations', () => {
  for (const [text, ms] of [
    ['500ms', 500],
    ['3s', 3000],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['1m30s', 90_000],
    ['0.5s', 500],
  ] as const) {
    it(`${text} = ${ms} ms`, () => assert.equal(parseDurationMs(text), ms));
  }
  for (const text of ['500', 'fast', '3 s', '-1s', '']) {
    it(`"${text}" is not a duration`, () => assert.equal(parseDurationMs(text), undefined));
  }
});

describe('sla targets', () => {
  const withTarget = (target: string, extra = '') => `
capacity: 9
services:
  - name: orders
    metric: {source: random, max: 9}
    target: ${target}
${extra}`;

  it('parses {sla: {queueLength: N}} and {sla: {wait: DURATION}}', () => {
    const byLength = parseConfigText(withTarget('{sla: {queueLength: 500}}', '    controller: {ratePerContainer: 20}'), {});
    assert.deepEqual(byLength.services[0]?.target, { kind: 'sla', sla: { queueLength: 500 } });
    const byWait = parseConfigText(withTarget('{sla: {wait: 30s}}', '    arrivals: {source: push}'), {});
    assert.deepEqual(byWait.services[0]?.target, { kind: 'sla', sla: { waitMs: 30_000 } });
  });

  it('names the field, the value and the fix for a bad bound', () => {
    assert.deepEqual(problemsOf(withTarget('{sla: {wait: soon}}', '    controller: {ratePerContainer: 20}')), [
      'services[0].target.sla.wait: expected a duration > 0 like 500ms, 30s or 2m, got "soon"',
    ]);
    assert.match(
      problemsOf(withTarget('{sla: {latency: 3}}', '    controller: {ratePerContainer: 20}'))[0] ?? '',
      /^services\[0\]\.target\.sla: expected \{queueLength: N\} .* or \{wait: DURATION\}/,
    );
  });

  it('needs the rate per container, or arrivals to learn it from', () => {
    assert.match(
      problemsOf(withTarget('{sla: {queueLength: 500}}'))[0] ?? '',
      /^services\[0\]\.target: \{sla: \.\.\.\} needs the messages\/s one container handles: set controller: \{ratePerContainer: N\}, or add an arrivals: block/,
    );
  });
});

describe('historyLines', () => {
  it('refuses a budget below one line, naming the field, the value and what it takes', () => {
    const problems = configProblems(() =>
      parseConfigText(['historyLines: 0', 'capacity: 4', 'services:', '  - {name: a, target: remainder}'].join('\n')),
    );
    assert.ok(problems.includes('historyLines: expected an integer >= 1, got 0'), problems.join('\n'));
  });
});
