module gomemtrace/stacks

go 1.19
