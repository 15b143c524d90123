// A DNS probe's resolver address, apart from the probe definitions so that the probe runner does
// not bundle the definitions' schemas and cron-parser with it. Pure.
import { isIP } from 'node:net';

export function parseResolver(r: string): { host: string; port: number } | undefined {
  const bracket = /^\[([0-9a-fA-F:.]+)\](?::(\d{1,5}))?$/.exec(r);
  if (bracket)
    return isIP(bracket[1]!) === 6 && validPort(bracket[2])
      ? { host: bracket[1]!, port: Number(bracket[2] ?? 53) }
      : undefined;
  if (isIP(r) !== 0) return { host: r, port: 53 };
  const v4 = /^([0-9.]+):(\d{1,5})$/.exec(r);
  if (v4 && isIP(v4[1]!) === 4 && validPort(v4[2])) return { host: v4[1]!, port: Number(v4[2]) };
  return undefined;
}

function validPort(p: string | undefined): boolean {
  return p === undefined || (Number(p) >= 1 && Number(p) <= 65535);
}
