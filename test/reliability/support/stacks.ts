import type { Stack } from "@pulumi/pulumi/automation";
import { type TestStack, testStack } from "../../integration/support/engine";

interface Slot {
  ts: TestStack;
  program?: () => void;
}

/**
 * A few inline-program stacks that cases take turns on, each case with its own program: making
 * and removing a stack per case costs more CLI runs than the case itself. Meant for runs that
 * the program refuses (nothing but read-only facts reaches a stack's state); the size bounds
 * how many Pulumi runs go at once on a 2-core machine.
 */
export class StackPool {
  private free: Slot[] = [];
  private waiting: ((s: Slot) => void)[] = [];

  private constructor(private readonly slots: Slot[]) {
    this.free = [...slots];
  }

  static async create(projectName: string, size: number): Promise<StackPool> {
    const slots = await Promise.all(
      Array.from({ length: size }, async (_, i) => {
        const slot: Partial<Slot> = {};
        slot.ts = await testStack(projectName, `pool${i + 1}`, async () => {
          slot.program?.();
          return {};
        });
        return slot as Slot;
      }),
    );
    return new StackPool(slots);
  }

  /** Runs `fn` on a free stack whose program is `program`. */
  async run<T>(program: () => void, fn: (stack: Stack) => Promise<T>): Promise<T> {
    const slot = this.free.pop() ?? (await new Promise<Slot>((r) => this.waiting.push(r)));
    slot.program = program;
    try {
      return await fn(slot.ts.stack);
    } finally {
      slot.program = undefined;
      const next = this.waiting.shift();
      if (next) next(slot);
      else this.free.push(slot);
    }
  }

  async cleanup(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.ts.cleanup()));
  }
}
