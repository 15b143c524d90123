// Realm and organization scoping: a principal limited to a realm (one of our direct customers) or
// to one organization inside it sees only what lies inside. Pure; shared/http/auth.ts puts the
// scope on the Principal and every feature asks `inScope` before it shows or changes a thing.

/** Where a principal may look. No realm: everything (Nocturne's own staff). */
export interface Scope {
  realmId?: string;
  organizationId?: string;
}

/** Where a thing lives. Things with no owner (platform configuration) are outside every scope. */
export interface Owner {
  realmId?: string;
  organizationId?: string;
}

export function isScoped(scope: Scope | undefined): boolean {
  return !!scope && (scope.realmId !== undefined || scope.organizationId !== undefined);
}

export function inScope(scope: Scope | undefined, owner: Owner | undefined): boolean {
  if (!isScoped(scope)) return true;
  if (!owner) return false;
  if (scope!.realmId !== undefined && owner.realmId !== scope!.realmId) return false;
  if (scope!.organizationId !== undefined && owner.organizationId !== scope!.organizationId) return false;
  return true;
}
