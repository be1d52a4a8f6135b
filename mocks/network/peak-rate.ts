/** The most events seen within any one second (a sliding window), as a gateway's dashboard shows a peak rate. */
export class PeakRate {
  private readonly times: number[] = [];
  private first = 0;
  private highest = 0;

  constructor(private readonly now: () => number = () => performance.now()) {}

  mark(): void {
    const at = this.now();
    this.times.push(at);
    while (this.first < this.times.length && (this.times[this.first] ?? at) <= at - 1000) this.first += 1;
    this.highest = Math.max(this.highest, this.times.length - this.first);
    // Dropping the expired head now and then keeps the array as long as one second of traffic.
    if (this.first > 4096) {
      this.times.splice(0, this.first);
      this.first = 0;
    }
  }

  get peak(): number {
    return this.highest;
  }
}
