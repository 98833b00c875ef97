"""Developer tools: evaluation, review of unanswered questions, benchmark, profiler."""
