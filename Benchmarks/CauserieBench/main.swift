// benchmarks come next
