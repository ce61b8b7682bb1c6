module example.com/largealloc

go 1.19
