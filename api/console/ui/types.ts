// The shapes of the API's answers that the console reads (see /openapi.json).

export type KeyStatus = 'active' | 'expired' | 'revoked';

export interface KeySummary {
  alias: string;
  name: string;
  roles: string[];
  is_active: boolean;
  status: KeyStatus;
  expire: string;
  key_prefix: string;
  created_at: string;
  updated_at: string;
  last_used_at: string | null;
  owner?: string | null;
  meta?: Record<string, unknown> | null;
}

export interface IssuedKey extends Omit<KeySummary, 'status' | 'key_prefix' | 'last_used_at'> {
  key: string | null;
  renewed?: boolean;
  rotated?: boolean;
  previous_key_valid_until?: string | null;
}

export interface HistoryItem {
  type: string;
  version: number;
  time: string;
  actor: string;
  request_id: string;
  changes: Record<string, unknown>;
  revision: number;
  position: string;
}

export interface AuditItem extends HistoryItem {
  alias: string;
}

export interface AuditPage {
  items: AuditItem[];
  next_cursor: string | null;
}

export interface ExpiringKeys {
  now: string;
  until: string;
  keys: KeySummary[];
}
