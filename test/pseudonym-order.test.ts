// Pseudonym order (src/segmentation/pseudonym-order.ts): the packed-prefix sort must give exactly
// the order of the library's own string sort, whatever the pseudonyms share, and ranksOf must be
// its inverse.
import { describe, expect, it } from 'vitest';
import { createRng } from '../src/segmentation/kmeans/index.ts';
import { pseudonymOrder, ranksOf } from '../src/segmentation/pseudonym-order.ts';

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const rng = createRng(20260115);
const chars = (n: number) => Array.from({ length: n }, () => BASE64URL[Math.floor(rng.nextFloat() * 64)]).join('');
/** A pseudonym as the gateway makes them: a version prefix and 22 base64url characters. */
const pseudonym = (prefix = 'p1_', head = '') => prefix + head + chars(22 - head.length);
const shuffle = <T>(xs: T[]): T[] => {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(rng.nextFloat() * (i + 1));
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
};

/** Asserts pseudonymOrder against Array.prototype.sort (the reference) and ranksOf against its inverse. */
function expectLibraryOrder(list: readonly string[]): void {
  const order = pseudonymOrder(list);
  expect(order).toBeInstanceOf(Uint32Array);
  expect(order).toHaveLength(list.length);
  // a permutation of the rows
  expect(new Set(order).size).toBe(list.length);
  for (const i of order) expect(i).toBeLessThan(list.length);
  // the same sequence of pseudonyms as the library sort
  expect(Array.from(order, (i) => list[i])).toEqual([...list].sort());
  // and equal pseudonyms in row order, as the library's (stable) sort of the rows leaves them
  const rows = Array.from(list.keys()).sort((a, b) => (list[a]! < list[b]! ? -1 : list[a]! > list[b]! ? 1 : 0));
  expect(Array.from(order)).toEqual(rows);

  const rank = ranksOf(order);
  expect(rank).toBeInstanceOf(Uint32Array);
  expect(rank).toHaveLength(list.length);
  for (let i = 0; i < order.length; i++) expect(rank[order[i]!]).toBe(i);
  for (let r = 0; r < list.length; r++) expect(order[rank[r]!]).toBe(r);
}

describe('pseudonymOrder', () => {
  it('an empty list', () => {
    expect(Array.from(pseudonymOrder([]))).toEqual([]);
    expect(Array.from(ranksOf(pseudonymOrder([])))).toEqual([]);
    expectLibraryOrder([]);
  });

  it('one pseudonym', () => {
    const one = [pseudonym()];
    expect(Array.from(pseudonymOrder(one))).toEqual([0]);
    expect(Array.from(ranksOf(pseudonymOrder(one)))).toEqual([0]);
    expectLibraryOrder(one);
  });

  it('a few, by hand: by code unit ("-", digits, upper case, "_", lower case), shorter first', () => {
    expectLibraryOrder(['p1_b', 'p1_B', 'p1_-', 'p1__', 'p1_0', 'p1_a', 'p1_A']);
    expectLibraryOrder(['p1_AAAAz', 'p1_AAAAa', 'p1_AAAA', 'p1_AAA', 'p1_AAAB']);
  });

  it('random pseudonyms', () => {
    expectLibraryOrder(Array.from({ length: 5000 }, () => pseudonym()));
  });

  it('many sharing their first 4 characters after the prefix', () => {
    const heads = ['AAAA', 'Zz-_', 'abcd', '0000'];
    const list = shuffle([
      ...Array.from({ length: 3000 }, (_, i) => pseudonym('p1_', heads[i % heads.length])),
      // and some sharing 3, 5 or all 22 but the last
      ...Array.from({ length: 300 }, () => pseudonym('p1_', 'AAA')),
      ...Array.from({ length: 300 }, () => pseudonym('p1_', 'AAAAA')),
      ...Array.from({ length: 50 }, () => pseudonym('p1_', 'abcd' + 'x'.repeat(17))),
      ...Array.from({ length: 500 }, () => pseudonym()),
    ]);
    expectLibraryOrder(list);
  });

  it('duplicates (the same pseudonym in several rows)', () => {
    const distinct = Array.from({ length: 200 }, () => pseudonym());
    const list = shuffle(Array.from({ length: 2000 }, (_, i) => distinct[i % distinct.length]!));
    expectLibraryOrder(list);
    const same = Array.from({ length: 100 }, () => distinct[0]!);
    expectLibraryOrder(same);
    expect(Array.from(pseudonymOrder(same))).toEqual(Array.from(same.keys()));
  });

  it('mixed prefixes (key versions and partner scopes)', () => {
    const list = shuffle([
      ...Array.from({ length: 1000 }, () => pseudonym('p1_')),
      ...Array.from({ length: 1000 }, () => pseudonym('p2_')),
      ...Array.from({ length: 500 }, () => pseudonym('s1_')),
      ...Array.from({ length: 500 }, () => pseudonym('p10_')),
      ...Array.from({ length: 200 }, () => pseudonym('p1_', 'AAAA')),
      ...Array.from({ length: 200 }, () => pseudonym('p2_', 'AAAA')),
    ]);
    expectLibraryOrder(list);
    // the first pseudonym alone without the others' prefix
    expectLibraryOrder(['x_' + chars(22), ...Array.from({ length: 100 }, () => pseudonym())]);
    expectLibraryOrder([...Array.from({ length: 100 }, () => pseudonym()), 'x_' + chars(22)]);
  });
});

describe('ranksOf', () => {
  it('is the inverse permutation of the order', () => {
    const list = Array.from({ length: 3000 }, () => pseudonym());
    const order = pseudonymOrder(list);
    const rank = ranksOf(order);
    const sorted = [...list].sort();
    list.forEach((p, row) => expect(sorted[rank[row]!]).toBe(p));
    expect(Array.from(ranksOf(Uint32Array.of(2, 0, 1)))).toEqual([1, 2, 0]);
  });
});
