// What the fake SmartPay checks on POST /invoices (spec §5.3, §8): the JSON schema (ajv, so errors
// have the same shape as the production `error_description` array quirk), then the sums and
// uniqueness rules a schema cannot say.
import { Ajv, type ErrorObject } from "ajv";
import type { CreateInvoiceRequest } from "../smartpay/types.js";

/** One validation problem, shaped like the ajv v6 errors SmartPay leaked in production (#269). */
export interface SchemaIssue {
  keyword: string;
  dataPath: string;
  schemaPath: string;
  params: Record<string, unknown>;
  message: string;
}

const str = { type: "string", minLength: 1 };
const idLike = { anyOf: [str, { type: "integer" }] };
const kopecks = { type: "integer", minimum: 0 };
const keyValues = { type: "array", items: { type: "object", required: ["key", "value"], properties: { key: str, value: { type: ["string", "number", "boolean"] } } } };

const itemSchema = {
  type: "object",
  required: ["position_id", "name", "quantity", "item_amount", "currency", "item_code", "item_price", "tax_type"],
  properties: {
    position_id: { type: "integer", minimum: 1 },
    name: str,
    item_params: keyValues,
    quantity: { type: "object", required: ["value", "measure"], properties: { value: { type: "number", exclusiveMinimum: 0 }, measure: str } },
    item_amount: kopecks,
    currency: { const: "RUB" },
    item_code: str,
    item_price: kopecks,
    discount_type: { enum: ["percent", "amount"] },
    discount_value: { type: "number", minimum: 0 },
    interest_type: str,
    interest_value: { type: "number", minimum: 0 },
    tax_type: { type: "integer", minimum: 0, maximum: 7 },
    tax_sum: kopecks,
  },
};

const createSchema = {
  type: "object",
  required: ["ptype", "invoice"], // the docs mark ptype required
  properties: {
    ptype: { enum: [0, 1] },
    user_id: { type: "object", minProperties: 1, additionalProperties: { type: "string" } },
    invoice: {
      type: "object",
      required: ["order"],
      properties: {
        purchaser: {
          type: "object",
          anyOf: [{ required: ["email"] }, { required: ["phone"] }],
          properties: { email: str, phone: { anyOf: [str, { type: "integer" }] }, contact: { type: "string" } },
        },
        delivery_info: {
          type: "object",
          required: ["address", "delivery_type"],
          properties: {
            address: { type: "object", required: ["country", "city", "address"], properties: { country: str, city: str, address: str } },
            delivery_type: str,
            description: { type: "string" },
          },
        },
        invoice_params: keyValues,
        order: {
          type: "object",
          required: ["order_id", "service_id", "amount", "currency", "purpose", "description", "language", "tax_system", "order_bundle"],
          properties: {
            order_id: idLike,
            order_number: idLike,
            order_date: { type: "string" },
            service_id: idLike,
            amount: { type: "integer", minimum: 1 },
            currency: { const: "RUB" },
            purpose: str,
            description: str,
            language: str,
            expiration_date: { type: "string" },
            autocompletion_date: { type: "string" },
            tax_system: { type: "integer", minimum: 0, maximum: 5 },
            order_bundle: { type: "array", minItems: 1, items: itemSchema },
          },
        },
      },
    },
  },
};

const ajv = new Ajv({ allErrors: true, strict: false });
const validateSchema = ajv.compile(createSchema);

function issue(dataPath: string, keyword: string, message: string, params: Record<string, unknown> = {}): SchemaIssue {
  return { keyword, dataPath, schemaPath: "#/custom", params, message };
}

const toIssue = (e: ErrorObject): SchemaIssue => ({
  keyword: e.keyword,
  dataPath: e.instancePath.replace(/\//g, ".").replace(/\.(\d+)(?=\.|$)/g, "[$1]"),
  schemaPath: e.schemaPath,
  params: e.params as Record<string, unknown>,
  message: e.message ?? e.keyword,
});

/**
 * Parse the date forms SmartPay examples use: full ISO 8601, and the seed's `2020-04-29T08:17:03+03`
 * (an hour-only offset that `Date.parse` rejects). NaN when unreadable.
 */
export function parseDate(value: string): number {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}(?::?\d{2})?)?$/.exec(value);
  if (!m) return NaN;
  let zone = m[2] ?? "Z";
  if (zone !== "Z") zone = zone.length === 3 ? `${zone}:00` : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone;
  return Date.parse(m[1] + zone);
}

/** Every problem with a create request; empty when it is acceptable. */
export function validateCreate(body: unknown): SchemaIssue[] {
  if (!validateSchema(body)) return (validateSchema.errors ?? []).map(toIssue);
  const req = body as unknown as CreateInvoiceRequest;
  const order = req.invoice.order;
  const bundle = order.order_bundle ?? [];
  const issues: SchemaIssue[] = [];

  const sum = bundle.reduce((s, item) => s + item.item_amount, 0);
  if (sum !== order.amount) issues.push(issue(".invoice.order.amount", "sum", `should equal the sum of item_amount (${sum}), got ${order.amount}`, { sum }));

  const positions = new Set<number>();
  const codes = new Set<string>();
  bundle.forEach((item, i) => {
    if (positions.has(item.position_id)) issues.push(issue(`.invoice.order.order_bundle[${i}].position_id`, "unique", `duplicate position_id ${item.position_id}`));
    positions.add(item.position_id);
    if (codes.has(item.item_code)) issues.push(issue(`.invoice.order.order_bundle[${i}].item_code`, "unique", `duplicate item_code ${item.item_code}`));
    codes.add(item.item_code);
    const expected = lineAmount(item);
    // A kopeck either way for rounding a fractional quantity.
    if (Math.abs(expected - item.item_amount) > 1) {
      issues.push(issue(`.invoice.order.order_bundle[${i}].item_amount`, "amount", `should be item_price × quantity.value${item.discount_type ? " less the discount" : ""} (${expected}), got ${item.item_amount}`));
    }
  });

  for (const field of ["order_date", "expiration_date", "autocompletion_date"] as const) {
    const v = order[field];
    if (v !== undefined && Number.isNaN(parseDate(v))) issues.push(issue(`.invoice.order.${field}`, "format", `should be an ISO 8601 date-time, got ${JSON.stringify(v)}`));
  }
  return issues;
}

/** item_price × quantity.value, less a discount (spec smartapp-api.md §5.3), in kopecks. */
function lineAmount(item: { item_price: number; quantity: { value: number }; discount_type?: string; discount_value?: number }): number {
  const gross = item.item_price * item.quantity.value;
  if (item.discount_type === "percent") return Math.round(gross * (1 - (item.discount_value ?? 0) / 100));
  if (item.discount_type === "amount") return Math.round(gross - (item.discount_value ?? 0));
  return Math.round(gross);
}

/** Schema issues as one line of text for an error answer. */
export function describeIssues(issues: SchemaIssue[]): string {
  return issues.map((i) => (i.dataPath ? `${i.dataPath} ${i.message}` : i.message)).join("; ");
}
