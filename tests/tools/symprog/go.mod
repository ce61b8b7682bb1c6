module example.com/symprog

go 1.19
