#!/usr/bin/env python
from crm.cli import main

if __name__ == "__main__":
    main()
