// Audit aid: NOCTURNE_TEST_CLOCK_SHIFT_DAYS=N runs the tests as if today were N days later (the
// global Date, read as "now", moves; explicit dates do not). A test that passes today and fails
// shifted depends on the real date: it must control its clock instead. Off unless set.
const days = Number(process.env.NOCTURNE_TEST_CLOCK_SHIFT_DAYS ?? 0);
if (Number.isFinite(days) && days !== 0) {
  const offset = days * 86_400_000;
  const RealDate = Date;
  class ShiftedDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(RealDate.now() + offset);
      else super(...(args as [string | number | Date]));
    }
    static override now(): number {
      return RealDate.now() + offset;
    }
  }
  globalThis.Date = ShiftedDate as DateConstructor;
}
export {};
