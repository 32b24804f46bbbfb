import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';

const FIRST = ['Ana', 'Bruno', 'Carla', 'Diego', 'Elena', 'Fabio', 'Gabi', 'Hugo', 'Inês', 'João'];
const LAST = ['Silva', 'García', 'Souza', 'López', 'Costa', 'Martínez'];
const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;

/** The shop's POS: it owns the menu and edits it through its own SQLite connection. */
export class SimulatedPos {
  constructor(private readonly db: Database.Database) {}

  seedMenu(): number {
    const insert = this.db.transaction(() => {
      const cat = this.db.prepare('INSERT INTO categories (id, name, sort_order) VALUES (?, ?, ?)');
      const prod = this.db.prepare('INSERT INTO products (id, category_id, name, price, available) VALUES (?, ?, ?, ?, 1)');
      const menu: Record<string, [string, number][]> = {
        Pizzas: [['Margherita', 38], ['Calabresa', 42], ['Quatro Queijos', 47], ['Portuguesa', 45]],
        Bebidas: [['Água', 4], ['Refrigerante', 7], ['Suco de laranja', 9]],
        Sobremesas: [['Pudim', 12], ['Brigadeiro', 3.5]],
      };
      let rows = 0;
      Object.entries(menu).forEach(([category, products], i) => {
        const categoryId = `cat-${i + 1}`;
        cat.run(categoryId, category, i);
        rows++;
        products.forEach(([name, price], j) => {
          prod.run(`prod-${i + 1}-${j + 1}`, categoryId, name, price);
          rows++;
        });
      });
      this.db
        .prepare('INSERT INTO restaurant_config (id, name, phone, delivery_fee, accepting_orders) VALUES (?, ?, ?, ?, 1)')
        .run('main', 'Pizzaria Dovetail', '+55 11 5555-0100', 6.5);
      const hours = this.db.prepare('INSERT INTO business_hours (id, day_of_week, opens, closes) VALUES (?, ?, ?, ?)');
      for (let day = 0; day < 7; day++) hours.run(`day-${day}`, day, '18:00', day >= 5 ? '00:30' : '23:30');
      return rows + 8;
    });
    return insert();
  }

  /** A manager changes a price; returns a line for the log. */
  changePrice(): string {
    const product = this.db.prepare('SELECT id, name, price FROM products ORDER BY RANDOM() LIMIT 1').get() as {
      id: string;
      name: string;
      price: number;
    };
    const price = Math.round(product.price * (0.9 + Math.random() * 0.2) * 2) / 2;
    this.db.prepare('UPDATE products SET price = ? WHERE id = ?').run(price, product.id);
    return `POS: ${product.name} now R$ ${price.toFixed(2)}`;
  }

  /** Staff fix an address's street and add instructions; false when the shop does not have it yet. */
  editAddress(id: string): boolean {
    const street = pick(['Rua Augusta', 'Av. Paulista', 'Rua Oscar Freire', 'Rua da Consolação']);
    const result = this.db
      .prepare('UPDATE addresses SET street = ?, instructions = ? WHERE id = ?')
      .run(`${street} (corrigido na loja)`, pick(['portão azul', 'interfone 12', 'fundos']), id);
    return result.changes > 0;
  }

  /** Staff note a customer's preference; returns a line for the log, or null if no customer yet. */
  noteCustomer(): string | null {
    const customer = this.db.prepare('SELECT id, first_name FROM customers ORDER BY RANDOM() LIMIT 1').get() as
      | { id: string; first_name: string }
      | undefined;
    if (!customer) return null;
    const note = pick(['prefers extra napkins', 'ring the bell twice', 'allergic to peanuts', 'regular on Fridays']);
    this.db.prepare('UPDATE customers SET notes = ? WHERE id = ?').run(note, customer.id);
    return `POS: note on ${customer.first_name}: "${note}"`;
  }
}

/** The remote WhatsApp ordering backend: it creates customers and orders through the hub's admin API. */
export class SimulatedBackend {
  private readonly customers: string[] = [];
  private readonly addresses: Record<string, unknown>[] = [];

  constructor(
    private readonly hubUrl: string,
    private readonly adminKey: string,
    private readonly scope: string,
  ) {}

  private async put(entity: string, key: string, data: Record<string, unknown>): Promise<void> {
    const response = await fetch(`${this.hubUrl}/v1/admin/scopes/${this.scope}/entities/${entity}/rows/${encodeURIComponent(key)}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', 'x-api-key': this.adminKey },
      body: JSON.stringify({ data }),
    });
    if (!response.ok) throw new Error(`admin PUT ${entity}/${key} failed: ${response.status} ${await response.text()}`);
  }

  /** An address the backend created (the oldest first: the shop has had time to pull it). */
  knownAddress(): string | null {
    return (this.addresses[0]?.id as string | undefined) ?? null;
  }

  /** The customer corrects their street on WhatsApp. */
  async editAddress(id: string): Promise<void> {
    const address = this.addresses.find((a) => a.id === id);
    if (!address) return;
    address.street = `${pick(['Rua Augusta', 'Av. Paulista', 'Alameda Santos'])} (pelo WhatsApp)`;
    await this.put('addresses', id, address);
    // Next time, another address.
    this.addresses.push(this.addresses.shift()!);
  }

  /** A WhatsApp customer orders; returns a line for the log. */
  async placeOrder(): Promise<string> {
    let customerId = this.customers.length > 0 && Math.random() < 0.6 ? pick(this.customers) : null;
    let who = 'returning customer';
    if (!customerId) {
      customerId = randomUUID();
      const first = pick(FIRST);
      await this.put('customers', customerId, {
        id: customerId,
        first_name: first,
        last_name: pick(LAST),
        email: `${first.toLowerCase()}.${customerId.slice(0, 4)}@example.com`,
        phone: `+55 11 9${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`,
      });
      const addressId = randomUUID();
      const address = {
        id: addressId,
        customer_id: customerId,
        street: pick(['Rua Augusta', 'Av. Paulista', 'Rua Oscar Freire']),
        number: String(10 + Math.floor(Math.random() * 900)),
        city: 'São Paulo',
      };
      await this.put('addresses', addressId, address);
      this.addresses.push(address);
      this.customers.push(customerId);
      who = `new customer ${first}`;
    }
    const orderId = randomUUID();
    const items = [{ product: 'prod-1-1', qty: 1 + Math.floor(Math.random() * 2) }, { product: 'prod-2-2', qty: 2 }];
    const total = Math.round((38 * items[0]!.qty + 14) * 100) / 100;
    await this.put('orders', orderId, {
      id: orderId,
      customer_id: customerId,
      status: 'received',
      items,
      total,
      created_at: new Date().toISOString(),
    });
    return `WhatsApp: order ${orderId.slice(0, 8)} from ${who}, R$ ${total.toFixed(2)}`;
  }
}
