/** Closes what a test opened (data sources, apps, databases, connections), newest first, so that nothing is closed under something still using it. */
export class Cleanups {
  private readonly tasks: Array<() => Promise<unknown>> = [];
  add(task: () => Promise<unknown>): void {
    this.tasks.push(task);
  }
  async run(): Promise<void> {
    for (const task of this.tasks.splice(0).reverse()) await task();
  }
}
