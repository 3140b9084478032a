-- The schema of release e0d1db6 (before migrations), as SQLModel created it on SQLite.
CREATE TABLE availability_blocks (
	id INTEGER NOT NULL, 
	listing_id VARCHAR NOT NULL, 
	start DATE NOT NULL, 
	"end" DATE NOT NULL, 
	reason VARCHAR NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(listing_id) REFERENCES listings (id)
);
CREATE TABLE conversations (
	id VARCHAR NOT NULL, 
	customer_id VARCHAR, 
	created_at DATETIME NOT NULL, 
	mode VARCHAR NOT NULL, 
	PRIMARY KEY (id)
);
CREATE TABLE customers (
	id VARCHAR NOT NULL, 
	first_name VARCHAR NOT NULL, 
	last_name VARCHAR NOT NULL, 
	email VARCHAR NOT NULL, 
	address1 VARCHAR NOT NULL, 
	address2 VARCHAR NOT NULL, 
	city VARCHAR NOT NULL, 
	state VARCHAR NOT NULL, 
	country VARCHAR NOT NULL, 
	zip VARCHAR NOT NULL, 
	PRIMARY KEY (id)
);
CREATE TABLE email_codes (
	id INTEGER NOT NULL, 
	conversation_id VARCHAR NOT NULL, 
	customer_id VARCHAR NOT NULL, 
	code_hash VARCHAR NOT NULL, 
	expires_at DATETIME NOT NULL, 
	attempts INTEGER NOT NULL, 
	used BOOLEAN NOT NULL, 
	PRIMARY KEY (id)
);
CREATE TABLE fulfillments (
	id INTEGER NOT NULL, 
	order_id VARCHAR NOT NULL, 
	position INTEGER NOT NULL, 
	tracking_ids JSON NOT NULL, 
	item_ids JSON NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(order_id) REFERENCES orders (id)
);
CREATE TABLE guests (
	id VARCHAR NOT NULL, 
	first_name VARCHAR NOT NULL, 
	last_name VARCHAR NOT NULL, 
	email VARCHAR NOT NULL, 
	customer_id VARCHAR, 
	PRIMARY KEY (id)
);
CREATE TABLE host_messages (
	id INTEGER NOT NULL, 
	reservation_id VARCHAR NOT NULL, 
	guest_id VARCHAR NOT NULL, 
	host_id VARCHAR NOT NULL, 
	text VARCHAR NOT NULL, 
	sent_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(reservation_id) REFERENCES reservations (id)
);
CREATE TABLE hosts (
	id VARCHAR NOT NULL, 
	name VARCHAR NOT NULL, 
	email VARCHAR NOT NULL, 
	joined DATE NOT NULL, 
	superhost BOOLEAN NOT NULL, 
	PRIMARY KEY (id)
);
CREATE TABLE listings (
	id VARCHAR NOT NULL, 
	host_id VARCHAR NOT NULL, 
	title VARCHAR NOT NULL, 
	city VARCHAR NOT NULL, 
	country VARCHAR NOT NULL, 
	neighbourhood VARCHAR NOT NULL, 
	property_type VARCHAR NOT NULL, 
	bedrooms INTEGER NOT NULL, 
	max_guests INTEGER NOT NULL, 
	nightly_price FLOAT NOT NULL, 
	cleaning_fee FLOAT NOT NULL, 
	cancellation_policy VARCHAR NOT NULL, 
	house_rules JSON NOT NULL, 
	amenities JSON NOT NULL, 
	rating FLOAT NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(host_id) REFERENCES hosts (id)
);
CREATE TABLE order_items (
	id INTEGER NOT NULL, 
	order_id VARCHAR NOT NULL, 
	position INTEGER NOT NULL, 
	item_id VARCHAR NOT NULL, 
	product_id VARCHAR NOT NULL, 
	name VARCHAR NOT NULL, 
	price FLOAT NOT NULL, 
	options JSON NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(order_id) REFERENCES orders (id)
);
CREATE TABLE orders (
	id VARCHAR NOT NULL, 
	customer_id VARCHAR NOT NULL, 
	position INTEGER NOT NULL, 
	status VARCHAR NOT NULL, 
	address1 VARCHAR NOT NULL, 
	address2 VARCHAR NOT NULL, 
	city VARCHAR NOT NULL, 
	state VARCHAR NOT NULL, 
	country VARCHAR NOT NULL, 
	zip VARCHAR NOT NULL, 
	cancel_reason VARCHAR, 
	exchange_items JSON, 
	exchange_new_items JSON, 
	exchange_payment_method_id VARCHAR, 
	exchange_price_difference FLOAT, 
	return_items JSON, 
	return_payment_method_id VARCHAR, 
	PRIMARY KEY (id), 
	FOREIGN KEY(customer_id) REFERENCES customers (id)
);
CREATE TABLE payment_methods (
	id VARCHAR NOT NULL, 
	customer_id VARCHAR NOT NULL, 
	position INTEGER NOT NULL, 
	source VARCHAR NOT NULL, 
	brand VARCHAR, 
	last_four VARCHAR, 
	balance FLOAT, 
	PRIMARY KEY (id), 
	FOREIGN KEY(customer_id) REFERENCES customers (id)
);
CREATE TABLE payment_transactions (
	id INTEGER NOT NULL, 
	order_id VARCHAR NOT NULL, 
	position INTEGER NOT NULL, 
	transaction_type VARCHAR NOT NULL, 
	amount FLOAT NOT NULL, 
	payment_method_id VARCHAR NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(order_id) REFERENCES orders (id)
);
CREATE TABLE problem_reports (
	id INTEGER NOT NULL, 
	reservation_id VARCHAR NOT NULL, 
	guest_id VARCHAR NOT NULL, 
	description VARCHAR NOT NULL, 
	status VARCHAR NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(reservation_id) REFERENCES reservations (id)
);
CREATE TABLE products (
	id VARCHAR NOT NULL, 
	name VARCHAR NOT NULL, 
	PRIMARY KEY (id)
);
CREATE TABLE reservation_payments (
	id INTEGER NOT NULL, 
	reservation_id VARCHAR NOT NULL, 
	kind VARCHAR NOT NULL, 
	amount FLOAT NOT NULL, 
	at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(reservation_id) REFERENCES reservations (id)
);
CREATE TABLE reservations (
	id VARCHAR NOT NULL, 
	listing_id VARCHAR NOT NULL, 
	guest_id VARCHAR NOT NULL, 
	check_in DATE NOT NULL, 
	check_out DATE NOT NULL, 
	guests INTEGER NOT NULL, 
	status VARCHAR NOT NULL, 
	nightly_price FLOAT NOT NULL, 
	cleaning_fee FLOAT NOT NULL, 
	total FLOAT NOT NULL, 
	booked_at DATETIME NOT NULL, 
	cancelled_at DATETIME, 
	PRIMARY KEY (id), 
	FOREIGN KEY(listing_id) REFERENCES listings (id), 
	FOREIGN KEY(guest_id) REFERENCES guests (id)
);
CREATE TABLE slack_threads (
	id INTEGER NOT NULL, 
	conversation_id VARCHAR NOT NULL, 
	ticket_id INTEGER NOT NULL, 
	channel VARCHAR NOT NULL, 
	ts VARCHAR NOT NULL, 
	PRIMARY KEY (id)
);
CREATE TABLE tickets (
	id INTEGER NOT NULL, 
	conversation_id VARCHAR NOT NULL, 
	customer_id VARCHAR, 
	reason VARCHAR NOT NULL, 
	summary VARCHAR NOT NULL, 
	priority VARCHAR NOT NULL, 
	status VARCHAR NOT NULL, 
	agent VARCHAR, 
	pending_action JSON, 
	created_at DATETIME NOT NULL, 
	taken_at DATETIME, 
	closed_at DATETIME, 
	PRIMARY KEY (id), 
	FOREIGN KEY(conversation_id) REFERENCES conversations (id)
);
CREATE TABLE tool_audit (
	id INTEGER NOT NULL, 
	idempotency_key VARCHAR, 
	conversation_id VARCHAR NOT NULL, 
	customer_id VARCHAR, 
	tool VARCHAR NOT NULL, 
	plugin VARCHAR NOT NULL, 
	risk VARCHAR NOT NULL, 
	args JSON NOT NULL, 
	args_hash VARCHAR NOT NULL, 
	status VARCHAR NOT NULL, 
	result JSON, 
	error VARCHAR, 
	confirmed_by VARCHAR, 
	approved_by VARCHAR, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id)
);
CREATE TABLE transcript_messages (
	id INTEGER NOT NULL, 
	conversation_id VARCHAR NOT NULL, 
	role VARCHAR NOT NULL, 
	text VARCHAR NOT NULL, 
	citations JSON NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(conversation_id) REFERENCES conversations (id)
);
CREATE TABLE variants (
	item_id VARCHAR NOT NULL, 
	product_id VARCHAR NOT NULL, 
	position INTEGER NOT NULL, 
	options JSON NOT NULL, 
	available BOOLEAN NOT NULL, 
	price FLOAT NOT NULL, 
	PRIMARY KEY (item_id), 
	FOREIGN KEY(product_id) REFERENCES products (id)
);
CREATE INDEX ix_availability_blocks_listing_id ON availability_blocks (listing_id);
CREATE INDEX ix_conversations_customer_id ON conversations (customer_id);
CREATE INDEX ix_customers_email ON customers (email);
CREATE INDEX ix_customers_zip ON customers (zip);
CREATE INDEX ix_email_codes_conversation_id ON email_codes (conversation_id);
CREATE INDEX ix_fulfillments_order_id ON fulfillments (order_id);
CREATE INDEX ix_guests_customer_id ON guests (customer_id);
CREATE INDEX ix_guests_email ON guests (email);
CREATE INDEX ix_host_messages_reservation_id ON host_messages (reservation_id);
CREATE INDEX ix_hosts_email ON hosts (email);
CREATE INDEX ix_listings_city ON listings (city);
CREATE INDEX ix_listings_host_id ON listings (host_id);
CREATE INDEX ix_order_items_order_id ON order_items (order_id);
CREATE INDEX ix_orders_customer_id ON orders (customer_id);
CREATE INDEX ix_payment_methods_customer_id ON payment_methods (customer_id);
CREATE INDEX ix_payment_transactions_order_id ON payment_transactions (order_id);
CREATE INDEX ix_problem_reports_reservation_id ON problem_reports (reservation_id);
CREATE INDEX ix_products_name ON products (name);
CREATE INDEX ix_reservation_payments_reservation_id ON reservation_payments (reservation_id);
CREATE INDEX ix_reservations_guest_id ON reservations (guest_id);
CREATE INDEX ix_reservations_listing_id ON reservations (listing_id);
CREATE INDEX ix_slack_threads_conversation_id ON slack_threads (conversation_id);
CREATE INDEX ix_slack_threads_ts ON slack_threads (ts);
CREATE INDEX ix_tickets_conversation_id ON tickets (conversation_id);
CREATE INDEX ix_tool_audit_conversation_id ON tool_audit (conversation_id);
CREATE INDEX ix_tool_audit_customer_id ON tool_audit (customer_id);
CREATE UNIQUE INDEX ix_tool_audit_idempotency_key ON tool_audit (idempotency_key);
CREATE INDEX ix_transcript_messages_conversation_id ON transcript_messages (conversation_id);
CREATE INDEX ix_variants_product_id ON variants (product_id);
