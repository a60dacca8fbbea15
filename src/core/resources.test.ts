import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatAmount, quantityValue, sizeProblem, toBaseUnits } from './resources.js';

describe('Kubernetes quantities', () => {
  it('reads the decimal, binary and exponent forms Kubernetes accepts', () => {
    assert.equal(quantityValue('8'), 8);
    assert.equal(quantityValue('500m'), 0.5);
    assert.equal(quantityValue('.5'), 0.5);
    assert.equal(quantityValue('1.5'), 1.5);
    assert.equal(quantityValue('16Gi'), 16 * 2 ** 30);
    assert.equal(quantityValue('128974848'), 128974848);
    assert.equal(quantityValue('129e6'), 129e6);
    assert.equal(quantityValue('129M'), 129e6);
    assert.equal(quantityValue('123Mi'), 123 * 2 ** 20);
    assert.equal(quantityValue('1k'), 1000);
    assert.equal(quantityValue(0.25), 0.25);
  });

  it('refuses what is not a quantity', () => {
    for (const bad of ['eight', '', '1 Gi', '1GB', '1gi', 'Gi', '1.2.3', '--1']) assert.equal(quantityValue(bad), undefined, bad);
  });

  it('counts cpu in whole millicores and memory in whole bytes, a container rounded up and a pool down', () => {
    assert.equal(toBaseUnits('cpu', '0.1', 'up'), 100);
    assert.equal(toBaseUnits('cpu', '0.7', 'up'), 700);
    assert.equal(toBaseUnits('cpu', 2, 'up'), 2000);
    assert.equal(toBaseUnits('cpu', '100u', 'up'), 1);
    assert.equal(toBaseUnits('cpu', '100u', 'down'), 0);
    assert.equal(toBaseUnits('memory', '1.5Gi', 'up'), 1.5 * 2 ** 30);
    assert.equal(toBaseUnits('memory', '0.5', 'up'), 1);
  });

  it('formats amounts for people', () => {
    assert.equal(formatAmount('cpu', 500), '0.5');
    assert.equal(formatAmount('cpu', 8000), '8');
    assert.equal(formatAmount('memory', 1.5 * 2 ** 30), '1.5Gi');
    assert.equal(formatAmount('memory', 256 * 2 ** 20), '256Mi');
  });

  it('says why a container cannot be placed on a pool', () => {
    const pool = { cpu: 8000, memory: 2 ** 34 };
    assert.equal(sizeProblem({ cpu: 500, memory: 2 ** 28 }, pool), undefined);
    assert.match(sizeProblem({ cpu: 500 }, pool) ?? '', /requests no memory/);
    assert.match(sizeProblem({ cpu: 9000, memory: 1 }, pool) ?? '', /needs 9 cpu per container, more than the whole pool \(8\)/);
  });
});
