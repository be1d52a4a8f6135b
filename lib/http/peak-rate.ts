/** The most events seen within any one second (a sliding window), as a gateway's dashboard shows a peak rate. */
export class PeakRate {
  private readonly times: number[] = [];
  private first = 0;
  private highest = 0;

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** Counts an event; returns how many fell within the last second, this one included. */
  mark(): number {
    const at = this.now();
    this.times.push(at);
    const recent = this.inLastSecond(at);
    this.highest = Math.max(this.highest, recent);
    // Dropping the expired head now and then keeps the array as long as one second of traffic.
    if (this.first > 4096) {
      this.times.splice(0, this.first);
      this.first = 0;
    }
    return recent;
  }

  /** How many events fell within the second before `at`. */
  inLastSecond(at = this.now()): number {
    while (this.first < this.times.length && (this.times[this.first] ?? at) <= at - 1000) this.first += 1;
    return this.times.length - this.first;
  }

  get peak(): number {
    return this.highest;
  }
}
