"""The seed's GIL experiment (§2.3.6) in Python, for comparison with
`cargo xtask run parallel-primes`: the sum of the primes below LIMIT,
sequentially, over WORKERS threads, and over WORKERS processes.

    python3 book/listings/python/gil_experiment.py [LIMIT [WORKERS [RUNS]]]

Each row is the fastest of RUNS runs (3 by default), as in the Rust programs.

Trial division up to the square root, as in the Rust exercises (the seed's
`n // 2` would only make every row slower).
"""

import os
import sys
import time
from multiprocessing import Process, Queue
from threading import Thread


def is_prime(n):
    if n < 2:
        return False
    divisor = 2
    while divisor * divisor <= n:
        if n % divisor == 0:
            return False
        divisor += 1
    return True


def prime_sum(begin, end):
    return sum(n for n in range(begin, end) if is_prime(n))


def split(limit, parts):
    """The same cut as split_range in the exercise prime-sum."""
    base, longer = divmod(limit, parts)
    ranges, start = [], 0
    for index in range(parts):
        length = base + 1 if index < longer else base
        ranges.append((start, start + length))
        start += length
    return ranges


# ANCHOR: threads
def with_threads(limit, workers):
    sums = [0] * workers

    def work(index, begin, end):
        sums[index] = prime_sum(begin, end)

    threads = [
        Thread(target=work, args=(index, begin, end))
        for index, (begin, end) in enumerate(split(limit, workers))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(sums)
# ANCHOR_END: threads


# ANCHOR: processes
def work_in_process(answers, index, begin, end):
    answers.put((index, prime_sum(begin, end)))


def with_processes(limit, workers):
    answers = Queue()
    processes = [
        Process(target=work_in_process, args=(answers, index, begin, end))
        for index, (begin, end) in enumerate(split(limit, workers))
    ]
    for process in processes:
        process.start()
    # Take every answer before joining: a process whose answer is still in
    # the queue's pipe may not have finished exiting.
    total = sum(answers.get()[1] for _ in processes)
    for process in processes:
        process.join()
    return total
# ANCHOR_END: processes


def fastest(runs, work):
    best = None
    for _ in range(runs):
        start = time.perf_counter()
        value = work()
        took = time.perf_counter() - start
        best = took if best is None else min(best, took)
    return value, best


def main():
    limit = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    workers = int(sys.argv[2]) if len(sys.argv) > 2 else 4
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    print(f"the primes below {limit}, on a machine with {os.cpu_count()} cores "
          f"(Python {sys.version.split()[0]}, best of {runs} runs)")
    print(f"{'method':<12} {'workers':>7} {'sum':>14} {'ms':>10}  {'speed-up':>8}")
    base = None
    for method, count, work in [
        ("sequential", "-", lambda: prime_sum(0, limit)),
        ("threads", str(workers), lambda: with_threads(limit, workers)),
        ("processes", str(workers), lambda: with_processes(limit, workers)),
    ]:
        total, took = fastest(runs, work)
        base = base or took
        print(f"{method:<12} {count:>7} {total:>14} {took * 1000:>10.1f}  "
              f"{base / took:>7.2f}x")


if __name__ == "__main__":
    main()
