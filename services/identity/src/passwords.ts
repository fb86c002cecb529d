/** Password hashing with scrypt (node:crypto), stored as `scrypt$N$r$p$salt$hash`. */
import { scrypt, randomBytes, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const N = 16384, R = 8, P = 1, LEN = 32;

function derive(password: string, salt: Buffer, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(password, salt, LEN, opts, (err, key) => (err ? reject(err) : resolve(key))));
}

/**
 * scrypt's cost for passwords that are published (the demo accounts' password is in the README): a
 * hash cannot protect a password everybody knows, and the standard cost made every start of the
 * staff realm hash 81 of them (about 5 s of CPU) and every demo login cost 50 ms of CPU. The stored
 * hash names its own cost, so verification needs nothing else; a demo account that changes its
 * password gets the standard cost.
 */
const PUBLISHED_N = 1024;

/** `published`: the password is public (demo seed only); anything a person chose uses the standard cost. */
export async function hashPassword(password: string, kind: 'secret' | 'published' = 'secret'): Promise<string> {
  const n = kind === 'published' ? PUBLISHED_N : N;
  const salt = randomBytes(16);
  const key = await derive(password, salt, { N: n, r: R, p: P });
  return `scrypt$${n}$${R}$${P}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const key = await derive(password, Buffer.from(salt, 'base64'), { N: Number(n), r: Number(r), p: Number(p) });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** A hash to compare against when the account does not exist, so timing does not reveal usernames. */
export const DUMMY_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';
