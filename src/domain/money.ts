// Money is integer minor units with a lower-case ISO 4217 currency; this turns it into text for
// people (emails), honouring each currency's number of decimals (JPY has none, USD two).
export function formatMoney(minorUnits: number, currency: string): string {
  const format = new Intl.NumberFormat('en', { style: 'currency', currency: currency.toUpperCase() })
  const decimals = format.resolvedOptions().maximumFractionDigits ?? 2
  return format.format(minorUnits / 10 ** decimals)
}
