/// Test fixtures.
