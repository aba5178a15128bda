// ProductRepository on DynamoDB: one item per product, keyed by `id`. Every write keeps
// `available = stock - reserved` inside the same conditional write, so the inventory code can
// reserve with a single condition on `available` and the two never disagree.
import { GetCommand, PutCommand, ScanCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { ConflictError } from '../../domain/errors'
import { PRODUCT_FIELDS, type Product, type ProductFields } from '../../domain/product'
import type { ProductPage, ProductRepository, StartKey } from '../../ports/product-repository'
import { batchGetById } from './batch-get'
import { isConditionFailed, setClause } from './conditional'
import { listingOf } from './product-listing'

export class DynamoProductRepository implements ProductRepository {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string
  ) {}

  async create(product: Product): Promise<void> {
    try {
      await this.documents.send(
        new PutCommand({ TableName: this.tableName, Item: { ...product, listing: listingOf(product.active) }, ConditionExpression: 'attribute_not_exists(id)' })
      )
    } catch (error) {
      if (isConditionFailed(error)) throw new ConflictError(`A product with id ${product.id} already exists.`)
      throw error
    }
  }

  async get(id: string): Promise<Product | undefined> {
    const result = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: { id }, ConsistentRead: true }))
    return result.Item as Product | undefined
  }

  async getMany(ids: readonly string[]): Promise<Map<string, Product>> {
    return batchGetById<Product>(this.documents, this.tableName, ids)
  }

  async listPage(options: { limit: number; startKey?: StartKey; activeOnly?: boolean }): Promise<ProductPage> {
    const { limit, activeOnly } = options
    const products: Product[] = []
    let startKey = options.startKey
    // Scan's Limit counts items read before the filter, so with `activeOnly` one scan can return fewer
    // than asked (even none): keep reading until the page is full or the table ends.
    do {
      const result = await this.documents.send(
        new ScanCommand({
          TableName: this.tableName,
          Limit: limit,
          ExclusiveStartKey: startKey,
          ...(activeOnly ? { FilterExpression: '#active = :true', ExpressionAttributeNames: { '#active': 'active' }, ExpressionAttributeValues: { ':true': true } } : {})
        })
      )
      products.push(...((result.Items ?? []) as Product[]))
      startKey = result.LastEvaluatedKey
    } while (startKey && products.length < limit)

    if (products.length > limit) {
      // Read past the page: the next one starts after its last product (any item's key is a valid
      // ExclusiveStartKey for a Scan).
      products.length = limit
      return { products, lastKey: { id: (products[limit - 1] as Product).id } }
    }
    return startKey ? { products, lastKey: startKey } : { products }
  }

  async update(id: string, changes: Partial<ProductFields>, now: string): Promise<Product | undefined> {
    const settable = Object.fromEntries(PRODUCT_FIELDS.map((field) => [field, changes[field]]))
    // With a new stock, one write: the condition and the new `available` both read the `reserved` of
    // this same item version, so a reservation landing concurrently can never leave the two out of step.
    const stockChanges = changes.stock !== undefined
    // `listing` (the byListing partition) follows `active` in the same write.
    const listing = changes.active === undefined ? undefined : listingOf(changes.active)
    const set = setClause({ updatedAt: now, ...settable, listing }, stockChanges ? ['available = :stock - reserved'] : [])
    const condition = stockChanges ? 'attribute_exists(id) AND reserved <= :stock' : 'attribute_exists(id)'
    try {
      const result = await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { id },
          UpdateExpression: set.expression,
          ConditionExpression: condition,
          ExpressionAttributeNames: set.names,
          ExpressionAttributeValues: set.values,
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD'
        })
      )
      return result.Attributes as Product
    } catch (error) {
      if (!isConditionFailed(error)) throw error
      // The item as it was when the condition failed (raw attribute values: lib-dynamodb does not
      // unmarshall error payloads). No item: it does not exist.
      const old = (error as { Item?: { reserved?: { N?: string } } }).Item
      if (!old) return undefined
      const reserved = Number(old.reserved?.N ?? 0)
      throw new ConflictError(`stock cannot go below the ${reserved} units reserved by open orders`, { field: 'stock', reserved })
    }
  }
}
