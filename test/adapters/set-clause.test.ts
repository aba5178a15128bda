// The SET clause every conditional update builds from a set of fields (src/adapters/dynamodb/conditional.ts),
// unit-tested here; the repositories' tests run it against DynamoDB Local.
import t from 'tap'
import { setClause } from '../../src/adapters/dynamodb/conditional'

t.test('each defined field as #field = :field, with its name and value; undefined fields untouched', async (t) => {
  const set = setClause({ status: 'paid', name: 'Lamp', declineCode: undefined, amount: 0, active: false })
  t.equal(set.expression, 'SET #status = :status, #name = :name, #amount = :amount, #active = :active')
  t.same(set.names, { '#status': 'status', '#name': 'name', '#amount': 'amount', '#active': 'active' })
  t.same(set.values, { ':status': 'paid', ':name': 'Lamp', ':amount': 0, ':active': false }, 'falsy values are written')
})

t.test('computed assignments come last, as given', async (t) => {
  const set = setClause({ updatedAt: 'now', stock: 5 }, ['available = :stock - reserved'])
  t.equal(set.expression, 'SET #updatedAt = :updatedAt, #stock = :stock, available = :stock - reserved')
  t.same(set.values, { ':updatedAt': 'now', ':stock': 5 })
})
