// Unit tests of the password rules and of the dummy hash that makes unknown emails cost the same.
import t from 'tap'
import bcrypt from 'bcryptjs'
import { PasswordHasher } from '../../src/services/password-hasher'
import { ValidationError } from '../../src/domain/errors'

t.test('8 characters to 72 UTF-8 bytes', async (t) => {
  t.throws(() => PasswordHasher.assertAcceptable('short'), ValidationError)
  t.throws(() => PasswordHasher.assertAcceptable('€'.repeat(25)), ValidationError, '25 chars but 75 bytes')
  t.doesNotThrow(() => PasswordHasher.assertAcceptable('€'.repeat(24)), '72 bytes')
  t.doesNotThrow(() => PasswordHasher.assertAcceptable('a'.repeat(8)))
})

t.test('hash and match; no account never matches, with the same bcrypt cost as a real hash', async (t) => {
  const hasher = new PasswordHasher(4)
  const hash = await hasher.hash('a good password')
  t.equal(bcrypt.getRounds(hash), 4)
  t.equal(await hasher.matches('a good password', hash), true)
  t.equal(await hasher.matches('wrong password', hash), false)
  t.equal(await hasher.matches('a good password', undefined), false)
  const dummy = (hasher as unknown as { dummyHash: string }).dummyHash
  t.equal(bcrypt.getRounds(dummy), 4, 'the dummy hash costs the configured rounds')
  t.equal(bcrypt.getRounds((new PasswordHasher(12) as unknown as { dummyHash: string }).dummyHash), 12)
})
